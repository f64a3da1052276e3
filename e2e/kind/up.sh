#!/usr/bin/env bash
# The kind bootstrap for the same *E2E scenarios that run on e2e/cluster: a kind cluster (kind-config.yaml), the
# product image and the test images loaded into it, and the files the suite reads (cluster.env,
# chart-values.yaml). Needs Docker, kind, and root for the test image's file capability (setcap). Run through
# e2e/kind/run.sh, or `mvn -Pe2e -Dlpo.cluster=kind verify`, which calls this with the product image.
#
# Usage: e2e/kind/up.sh PRODUCT_IMAGE.tar
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
STATE="${LPO_CLUSTER_DIR:-$here/../target/kind}"
NAME="${LPO_KIND_CLUSTER:-lpo-e2e}"
# Pinned: the suite is known to run on this Kubernetes version.
NODE_IMAGE="${LPO_KIND_NODE_IMAGE:-kindest/node:v1.31.0}"
PRODUCT_TAR="$(realpath "$1")"

RUNTIME="$("$here/../cluster/runtime-packages.sh")"
read -r _ BUSYBOX_TAR <<<"$("$here/../cluster/images.sh" "$RUNTIME")"
mkdir -p "$STATE"
kind delete cluster --name "$NAME" >/dev/null 2>&1 || true
# A failed or interrupted bring-up deletes the cluster it made (Maven skips the teardown after a failed bring-up).
up=false
trap 'rc=$?; $up || LPO_CLUSTER_DIR="$STATE" "$here/down.sh" >/dev/null 2>&1; exit $rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Ephemeral containers: an explicit feature gate before Kubernetes 1.23 (see kind-config.yaml).
config="$STATE/kind-config.yaml"
tag="${NODE_IMAGE%%@*}"
minor="$(echo "${tag##*:}" | sed -n 's/^v1\.\([0-9]*\).*/\1/p')"
if [ -n "$minor" ] && [ "$minor" -lt 23 ]; then
  { echo 'featureGates: {EphemeralContainers: true}'; cat "$here/kind-config.yaml"; } > "$config"
else
  cp "$here/kind-config.yaml" "$config"
fi
kind create cluster --name "$NAME" --image "$NODE_IMAGE" --config "$config" \
  --kubeconfig "$STATE/kubeconfig" --wait 180s
for tarball in "$PRODUCT_TAR" "$BUSYBOX_TAR"; do
  kind load image-archive "$tarball" --name "$NAME"
done
# The recorder's capability events: tracefs in every node, at the path the chart mounts (recorder.tracefsPath).
for node in $(kind get nodes --name "$NAME"); do
  docker exec "$node" sh -c 'mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing'
done
# The nodes share this machine's kernel, and its log rate limit: off while the suite runs (the loss scenario turns
# it on for a moment); down.sh puts the saved value back.
[ -f "$STATE/printk_ratelimit.before" ] || cat /proc/sys/kernel/printk_ratelimit > "$STATE/printk_ratelimit.before"
echo 0 > /proc/sys/kernel/printk_ratelimit
# The scenarios read node files on one worker; the agent puts them on all.
# KUBECTL: the scenarios that go through kubectl itself (kubectl debug) use the one on PATH.
printf 'KUBECONFIG=%s\nNODE_NAME=%s\nKUBECTL=%s\nSECCOMP_ROOT=%s\n' "$STATE/kubeconfig" "$NAME-worker" \
  "$(command -v kubectl)" /var/lib/kubelet/seccomp > "$STATE/cluster.env"
# kind routes Services, so the chart's defaults hold: two replicas behind the webhook Service.
echo 'image: {pullPolicy: Never}' > "$STATE/chart-values.yaml"
up=true
echo "$STATE"
