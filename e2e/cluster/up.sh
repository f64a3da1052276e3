#!/usr/bin/env bash
# Brings up a real single-node Kubernetes v1.20.2 cluster made only from Debian's packages: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet, containerd, runc and the CNI bridge. Needs root.
#
# Binaries, packages and test images are cached outside the checkout ($LPO_CACHE, default ~/.cache/lpo): the first
# run builds Kubernetes (about 5 minutes on 2 cores), later runs start in about 20 seconds.
#
# Usage: e2e/cluster/up.sh [image.tar...]     imports the given docker-archive tarballs too
# Writes $LPO_CLUSTER_DIR (default ~/.cache/lpo/cluster): kubeconfig, cluster.env (NODE_IP, NODE_NAME, KUBECONFIG),
# chart-values.yaml (what installing the chart into this cluster needs), logs/.
# Stop it with e2e/cluster/down.sh.
#
# Feature gates: EphemeralContainers (alpha, off by default in 1.20) on every component, so that `kubectl debug`
# and the pods/ephemeralcontainers subresource work as they do by default from Kubernetes 1.23 on.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
CACHE="${LPO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lpo}"
STATE="${LPO_CLUSTER_DIR:-$CACHE/cluster}"
log() { echo "[cluster] $*" >&2; }
FEATURE_GATES="EphemeralContainers=true"
images=()
for tarball in "$@"; do images+=("$(realpath "$tarball")"); done
[ "$(id -u)" = 0 ] || { echo "e2e/cluster/up.sh must run as root (kubelet, containerd, mounts)" >&2; exit 1; }
if [ -f "$STATE/pids" ]; then
  log "a cluster is already up in $STATE; stopping it first"
  "$here/down.sh"
fi

# --- binaries ---
K8S_DIR="$("$here/build-k8s.sh" kube-controller-manager kube-scheduler kubelet)"
BIN="$K8S_DIR/k8s/1.20.2-linux-amd64"
RUNTIME="$("$here/runtime-packages.sh")"
read -r PAUSE_TAR BUSYBOX_TAR <<<"$("$here/images.sh" "$RUNTIME")"

# --- addresses ---
NODE_IP="$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -1)"
[ -n "$NODE_IP" ] || NODE_IP="$(hostname -I | awk '{print $1}')"
NODE_NAME="$(hostname | tr '[:upper:]' '[:lower:]')"
rm -rf "$STATE"
mkdir -p "$STATE"/{pki,logs,etcd,cni/net.d,cni/data}
cd "$STATE"

# --- certificates: one CA for everything ---
pki() { openssl "$@" 2>/dev/null; }
pki req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=lpo-e2e-ca -keyout pki/ca.key -out pki/ca.crt
issue() { # name subject [sans]
  pki req -newkey rsa:2048 -nodes -subj "$2" -keyout "pki/$1.key" -out "pki/$1.csr"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n%s' \
    "${3:+subjectAltName=$3}" > "pki/$1.ext"
  pki x509 -req -in "pki/$1.csr" -CA pki/ca.crt -CAkey pki/ca.key -CAcreateserial -days 30 -extfile "pki/$1.ext" \
    -out "pki/$1.crt"
}
issue apiserver /CN=kube-apiserver \
  "IP:$NODE_IP,IP:127.0.0.1,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost"
issue admin "/O=system:masters/CN=admin"
issue kubelet "/O=system:nodes/CN=system:node:$NODE_NAME"
issue kubelet-serving "/CN=$NODE_NAME" "IP:$NODE_IP,DNS:$NODE_NAME"
pki genrsa -out pki/sa.key 2048
pki rsa -in pki/sa.key -pubout -out pki/sa.pub

kubeconfig() { # file cert
  cat > "$1" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: lpo-e2e, cluster: {server: "https://$NODE_IP:6443", certificate-authority: "$STATE/pki/ca.crt"}}]
users: [{name: $2, user: {client-certificate: "$STATE/pki/$2.crt", client-key: "$STATE/pki/$2.key"}}]
contexts: [{name: lpo-e2e, context: {cluster: lpo-e2e, user: $2}}]
current-context: lpo-e2e
YAML
}
kubeconfig kubeconfig admin
kubeconfig kubelet.kubeconfig kubelet

start() { # name command...
  local name="$1"; shift
  setsid "$@" >"logs/$name.log" 2>&1 < /dev/null &
  echo "$name $!" >> pids
}
wait_for() { # what seconds command...
  local what="$1" seconds="$2"; shift 2
  for _ in $(seq "$seconds"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  log "timed out waiting for $what; last log lines:"; tail -20 logs/*.log >&2; exit 1
}
KUBECTL=("$BIN/kubectl" --kubeconfig "$STATE/kubeconfig")

# --- control plane ---
log "starting etcd and kube-apiserver on $NODE_IP"
start etcd "$BIN/etcd" --data-dir "$STATE/etcd" --listen-client-urls http://127.0.0.1:2379 \
  --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380
start kube-apiserver "$BIN/kube-apiserver" --etcd-servers=http://127.0.0.1:2379 \
  --advertise-address="$NODE_IP" --bind-address=0.0.0.0 --secure-port=6443 \
  --tls-cert-file=pki/apiserver.crt --tls-private-key-file=pki/apiserver.key --client-ca-file=pki/ca.crt \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local --service-account-key-file=pki/sa.pub \
  --service-account-signing-key-file=pki/sa.key --service-cluster-ip-range=10.96.0.0/16 --allow-privileged=true \
  --kubelet-client-certificate=pki/admin.crt --kubelet-client-key=pki/admin.key \
  --kubelet-preferred-address-types=InternalIP,Hostname --kubelet-certificate-authority=pki/ca.crt \
  --feature-gates="$FEATURE_GATES"
wait_for "kube-apiserver /readyz" 90 "${KUBECTL[@]}" get --raw /readyz
start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$STATE/kubeconfig" \
  --service-account-private-key-file=pki/sa.key --root-ca-file=pki/ca.crt --use-service-account-credentials=true \
  --cluster-signing-cert-file=pki/ca.crt --cluster-signing-key-file=pki/ca.key --leader-elect=false \
  --controllers='*,-nodeipam,-route,-service' --feature-gates="$FEATURE_GATES"
start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$STATE/kubeconfig" --leader-elect=false \
  --feature-gates="$FEATURE_GATES"

# --- node: containerd with the CNI bridge, then the kubelet ---
cat > containerd.toml <<TOML
version = 2
state = "/run/containerd"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:local"
  # This machine cannot lower oom_score_adj (no CAP_SYS_RESOURCE in its bounding set): without this, every
  # sandbox fails with "can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$RUNTIME/usr/sbin/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$RUNTIME/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
TOML
# No kube-proxy and no iptables here: no masquerading, so pods reach only the node and each other.
cat > cni/net.d/10-bridge.conflist <<JSON
{"cniVersion": "0.4.0", "name": "lpo-e2e", "plugins": [{"type": "bridge", "bridge": "cni0", "isGateway": true,
 "ipMasq": false, "ipam": {"type": "host-local", "subnet": "10.88.0.0/16", "routes": [{"dst": "0.0.0.0/0"}],
 "dataDir": "$STATE/cni/data"}}]}
JSON
log "starting containerd and importing images"
PATH="$RUNTIME/usr/bin:$PATH" start containerd "$RUNTIME/usr/bin/containerd" --config "$STATE/containerd.toml"
CTR=("$RUNTIME/usr/bin/ctr" --address /run/containerd/containerd.sock -n k8s.io)
wait_for containerd 30 "${CTR[@]}" version
for tarball in "$PAUSE_TAR" "$BUSYBOX_TAR" "${images[@]}"; do
  "${CTR[@]}" images import --no-unpack=false "$tarball" >/dev/null
done

cat > kubelet.yaml <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$STATE/pki/ca.crt"}
authorization: {mode: Webhook}
tlsCertFile: "$STATE/pki/kubelet-serving.crt"
tlsPrivateKeyFile: "$STATE/pki/kubelet-serving.key"
clusterDomain: cluster.local
makeIPTablesUtilChains: false
runtimeRequestTimeout: 5m
failSwapOn: false
# A busy build machine must not evict the test pods.
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
featureGates: {$(echo "$FEATURE_GATES" | sed 's/=/: /g; s/,/, /g')}
YAML
log "starting kubelet as node $NODE_NAME"
start kubelet "$BIN/kubelet" --config="$STATE/kubelet.yaml" --kubeconfig="$STATE/kubelet.kubeconfig" \
  --container-runtime=remote --container-runtime-endpoint=unix:///run/containerd/containerd.sock \
  --node-ip="$NODE_IP" --hostname-override="$NODE_NAME" --root-dir=/var/lib/kubelet
wait_for "node $NODE_NAME Ready" 120 sh -c \
  "'${KUBECTL[0]}' --kubeconfig '$STATE/kubeconfig' get node '$NODE_NAME' -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
wait_for "the default service account" 60 "${KUBECTL[@]}" -n default get serviceaccount default

# How the chart must be installed here: images were imported, not pulled; and with no kube-proxy the API server
# reaches the webhook only at the node's address (the operator serves on the host network, one replica), and
# pods reach the API server only at the node's address too.
cat > chart-values.yaml <<YAML
image: {pullPolicy: Never}
operator:
  replicas: 1
  hostNetwork: true
  podDisruptionBudget: {enabled: false}
  extraEnv: &apiserver
    - {name: KUBERNETES_SERVICE_HOST, value: "$NODE_IP"}
    - {name: KUBERNETES_SERVICE_PORT, value: "6443"}
agent: {extraEnv: *apiserver}
webhook: {url: "https://$NODE_IP:9443/mutate-pods", certificateIPs: ["$NODE_IP"]}
YAML
printf 'NODE_IP=%s\nNODE_NAME=%s\nKUBECONFIG=%s\nKUBECTL=%s\n' "$NODE_IP" "$NODE_NAME" "$STATE/kubeconfig" \
  "$BIN/kubectl" > cluster.env
log "ready: export KUBECONFIG=$STATE/kubeconfig"
echo "$STATE"
