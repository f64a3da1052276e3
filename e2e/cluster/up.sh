#!/usr/bin/env bash
# Brings up a real single-node Kubernetes cluster (the version in kubernetes.env) made only from Debian's packages: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet, containerd, runc and the CNI bridge. Needs root.
#
# Binaries, packages and test images are cached outside the checkout ($LPO_CACHE, default ~/.cache/lpo): the first
# run builds Kubernetes (about 5 minutes on 2 cores), later runs start in about 20 seconds.
#
# Usage: e2e/cluster/up.sh [image.tar...]     imports the given docker-archive tarballs too
# Writes $LPO_CLUSTER_DIR (default ~/.cache/lpo/cluster): kubeconfig, cluster.env (NODE_IP, NODE_NAME, KUBECONFIG,
# KUBECTL, SECCOMP_ROOT), chart-values.yaml (what installing the chart into this cluster needs), logs/, and node.env
# (what e2e/cluster/down.sh needs to stop it). Stop it with e2e/cluster/down.sh.
#
# Safe next to another containerd or kubelet on the same machine: everything of the node lives in the state dir
# (containerd's socket, root and state; runc's state; the kubelet's root dir, so the seccomp profiles are under
# $LPO_CLUSTER_DIR/kubelet/seccomp) or has the suite's own name (the bridge lpo-e2e0 on 10.199.0.0/24, the cgroup
# /lpo-e2e, ports 23790/23800 for etcd, 26443 for the API server, 20248/20250 for the kubelet, 20257/20259 for the
# controller manager and the scheduler). A port, the bridge or the cgroup already in use stops it before it
# starts anything. containerd and the kubelet run in a mount namespace of their own, in which the paths these
# versions use whatever they are told (NODE_PATHS below) are directories of the state dir: their mounts never
# show on the machine, and end with them. If the bring-up fails or is interrupted, it stops what it had started
# (down.sh) before it exits.
#
# Feature gates: EphemeralContainers (alpha, off by default in 1.20) on every component, so that `kubectl debug`
# and the pods/ephemeralcontainers subresource work as they do by default from Kubernetes 1.23 on.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
CACHE="${LPO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lpo}"
STATE="$(realpath -m "${LPO_CLUSTER_DIR:-$CACHE/cluster}")"
log() { echo "[cluster] $*" >&2; }
FEATURE_GATES="EphemeralContainers=true"

# The suite's own names and ports, so that nothing of another cluster on this machine is used or changed.
BRIDGE=lpo-e2e0
CNI_NETWORK=lpo-e2e
POD_SUBNET=10.199.0.0/24
CGROUP=lpo-e2e
ETCD_PORT=23790
ETCD_PEER_PORT=23800
APISERVER_PORT=26443
KUBELET_PORT=20250
KUBELET_HEALTHZ_PORT=20248
CONTROLLER_MANAGER_PORT=20257
SCHEDULER_PORT=20259
# The webhook's port and the operator's and the webhook's health ports: they run on the host network here
# (chart-values.yaml).
PRODUCT_PORTS="9443 8081 8082"
# Paths containerd 1.6 and the kubelet 1.20 use whatever their configuration says: the shims' sockets
# (/run/containerd/s), the CNI plugins' cached results (/var/lib/cni), the pods' logs (/var/log/pods and
# /var/log/containers, where the kubelet also deletes whatever no pod of its own wrote) and the device-plugin socket
# (/var/lib/kubelet/device-plugins, which the kubelet empties when it starts). In the node's mount namespace each is
# a directory of the state dir, so another kubelet's or containerd's files there are neither seen nor touched.
NODE_PATHS="/run/containerd /var/lib/cni /var/log/pods /var/log/containers /var/lib/kubelet"
TRACEFS=/sys/kernel/tracing

images=()
for tarball in "$@"; do images+=("$(realpath "$tarball")"); done
[ "$(id -u)" = 0 ] || { echo "e2e/cluster/up.sh must run as root (kubelet, containerd, mounts)" >&2; exit 1; }
if [ -f "$STATE/node.env" ]; then
  log "a cluster was started in $STATE; stopping it first"
  LPO_CLUSTER_DIR="$STATE" "$here/down.sh" || { log "could not stop the cluster in $STATE; see above"; exit 1; }
fi

# --- before starting anything: nothing of ours may be in use already ---
busy=()
for port in $ETCD_PORT $ETCD_PEER_PORT $APISERVER_PORT $KUBELET_PORT $KUBELET_HEALTHZ_PORT \
    $CONTROLLER_MANAGER_PORT $SCHEDULER_PORT $PRODUCT_PORTS; do
  [ -z "$(ss -Hltn "sport = :$port")" ] || busy+=("port $port is in use")
done
ip link show "$BRIDGE" >/dev/null 2>&1 && busy+=("network interface $BRIDGE exists")
[ -z "$(ip -4 route show root "$POD_SUBNET"; ip -4 route show match "$POD_SUBNET" | grep -v '^default')" ] \
  || busy+=("a route overlaps the pod subnet $POD_SUBNET")
cgroup_mounts="$(awk '$3 == "cgroup" || $3 == "cgroup2" {print $2}' /proc/self/mounts)"
for mnt in $cgroup_mounts; do [ ! -e "$mnt/$CGROUP" ] || busy+=("cgroup $mnt/$CGROUP exists"); done
if [ ${#busy[@]} -gt 0 ]; then
  printf '[cluster] not starting: %s\n' "${busy[@]}" >&2
  log "another program uses them, or another cluster of this suite: LPO_CLUSTER_DIR=<its dir> e2e/cluster/down.sh"
  exit 1
fi
# Unix socket paths are at most 107 bytes; the longest the node makes is the kubelet's device-plugins socket.
longest="$STATE/kubelet/device-plugins/kubelet.sock"
if [ ${#longest} -gt 107 ]; then
  log "$STATE is too long a path for the node's sockets: give a shorter LPO_CLUSTER_DIR (or -Dlpo.cluster.dir)"
  exit 1
fi

# --- binaries ---
K8S_DIR="$("$here/build-k8s.sh" kube-controller-manager kube-scheduler kubelet)"
source "$here/kubernetes.env"
BIN="$K8S_DIR/k8s/$KUBERNETES_VERSION-linux-amd64"
RUNTIME="$("$here/runtime-packages.sh")"
read -r PAUSE_TAR BUSYBOX_TAR <<<"$("$here/images.sh" "$RUNTIME")"

# --- addresses ---
NODE_IP="$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -1)"
[ -n "$NODE_IP" ] || NODE_IP="$(hostname -I | awk '{print $1}')"
NODE_NAME="$(hostname | tr '[:upper:]' '[:lower:]')"

# The state dir is removed and made anew; never through a mount (a previous cluster's, not yet unmounted).
if [ -n "$(awk -v p="$STATE/" 'index($2, p) == 1' /proc/self/mounts)" ]; then
  log "something is still mounted under $STATE; not removing it"; exit 1
fi
rm -rf "$STATE"
mkdir -p "$STATE"/{pki,logs,etcd,cni/net.d,cni/data,containerd,kubelet}
cd "$STATE"
CONTAINERD_SOCK="$STATE/containerd/containerd.sock"
CONTAINERD_STATE="$STATE/containerd/state"
KUBELET_ROOT="$STATE/kubelet"

# What down.sh needs to find everything this cluster started or made, written before anything is started. A
# mount point of NODE_PATHS that the machine does not have is made as an empty directory, and recorded, so that
# down.sh removes it again.
created=()
for d in $NODE_PATHS; do
  mkdir -p "$STATE/node$d"
  [ -e "$d" ] || created+=("$d")
done
{
  for var in STATE RUNTIME BIN BRIDGE CNI_NETWORK CGROUP CONTAINERD_SOCK CONTAINERD_STATE KUBELET_ROOT; do
    printf '%s=%q\n' "$var" "${!var}"
  done
  printf 'CGROUP_MOUNTS=%q\n' "$(echo $cgroup_mounts)"
  printf 'CREATED_HOST_DIRS=%q\n' "${created[*]:-}"
  printf 'PRINTK_RATELIMIT_BEFORE=%q\n' "$(cat /proc/sys/kernel/printk_ratelimit)"
} > node.env
: > pids
for d in "${created[@]}"; do mkdir "$d"; done

# From here on, a failure or an interrupt stops everything started so far.
up=false
on_exit() {
  local rc=$?
  if ! $up; then
    log "bring-up failed (exit $rc); stopping what it started"
    LPO_CLUSTER_DIR="$STATE" "$here/down.sh" || true
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The kernel rate-limits its log: with no audit daemon, a burst of seccomp records (audit type 1326) beyond
# kernel.printk_ratelimit_burst in kernel.printk_ratelimit seconds is dropped, and a recording would miss calls.
# Off while the cluster runs (the loss scenario turns it on for a moment); down.sh puts the value saved in node.env
# back, on a failed bring-up too. It is a setting of the whole machine.
echo 0 > /proc/sys/kernel/printk_ratelimit

# The suite's cgroup: the kubelet puts every pod under /lpo-e2e/kubepods, never beside another kubelet's.
for mnt in $cgroup_mounts; do
  mkdir "$mnt/$CGROUP"
  # A new cpuset cgroup starts with no CPUs and no memory nodes; give it its parent's.
  if [ -f "$mnt/cpuset.cpus" ]; then
    cat "$mnt/cpuset.cpus" > "$mnt/$CGROUP/cpuset.cpus"
    cat "$mnt/cpuset.mems" > "$mnt/$CGROUP/cpuset.mems"
  fi
done

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
clusters: [{name: lpo-e2e, cluster: {server: "https://$NODE_IP:$APISERVER_PORT", certificate-authority: "$STATE/pki/ca.crt"}}]
users: [{name: $2, user: {client-certificate: "$STATE/pki/$2.crt", client-key: "$STATE/pki/$2.key"}}]
contexts: [{name: lpo-e2e, context: {cluster: lpo-e2e, user: $2}}]
current-context: lpo-e2e
YAML
}
kubeconfig kubeconfig admin
kubeconfig kubelet.kubeconfig kubelet

# Each process is recorded with its start time (field 22 of /proc/PID/stat), so that down.sh never signals another
# process that got the same PID after this one ended.
start() { # name command...
  local name="$1"; shift
  setsid "$@" >"logs/$name.log" 2>&1 < /dev/null &
  echo "$name $! $(sed 's/.*) //' "/proc/$!/stat" | awk '{print $20}')" >> pids
}
wait_for() { # what seconds command...
  local what="$1" seconds="$2"; shift 2
  for _ in $(seq "$seconds"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  log "timed out waiting for $what; last log lines:"; tail -20 logs/*.log >&2; exit 1
}
KUBECTL=("$BIN/kubectl" --kubeconfig "$STATE/kubeconfig" --cache-dir "$STATE/kubectl-cache")

# --- control plane ---
log "starting etcd and kube-apiserver on $NODE_IP:$APISERVER_PORT"
start etcd "$BIN/etcd" --data-dir "$STATE/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "default=http://127.0.0.1:$ETCD_PEER_PORT"
start kube-apiserver "$BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --advertise-address="$NODE_IP" --bind-address=0.0.0.0 --secure-port="$APISERVER_PORT" --insecure-port=0 \
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
  --controllers='*,-nodeipam,-route,-service' --feature-gates="$FEATURE_GATES" \
  --port=0 --secure-port="$CONTROLLER_MANAGER_PORT"
start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$STATE/kubeconfig" --leader-elect=false \
  --feature-gates="$FEATURE_GATES" --port=0 --secure-port="$SCHEDULER_PORT"

# --- node: containerd with the CNI bridge, then the kubelet ---
cat > containerd/config.toml <<TOML
version = 2
root = "$STATE/containerd/root"
state = "$CONTAINERD_STATE"
temp = "$STATE/containerd/tmp"
[grpc]
  address = "$CONTAINERD_SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:local"
  # This machine cannot lower oom_score_adj (no CAP_SYS_RESOURCE in its bounding set): without this, every
  # sandbox fails with "can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  # Pods' network namespaces under the state dir, not /run/netns.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$RUNTIME/usr/sbin/runc"
        Root = "$STATE/containerd/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$RUNTIME/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
TOML
# No kube-proxy and no iptables here: no masquerading, so pods reach only the node and each other.
cat > cni/net.d/10-bridge.conflist <<JSON
{"cniVersion": "0.4.0", "name": "$CNI_NETWORK", "plugins": [{"type": "bridge", "bridge": "$BRIDGE",
 "isGateway": true, "ipMasq": false, "ipam": {"type": "host-local", "subnet": "$POD_SUBNET",
 "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$STATE/cni/data"}}]}
JSON
log "starting containerd and importing images"
# containerd starts the node's mount namespace; the kubelet joins it below. tracefs is mounted there at the path a
# node has it (the recorder's hostPath: the capability:cap_capable event), unless the machine has it already; it
# ends with the namespace. A kernel without tracefs leaves the directory empty: recordings then say so.
binds=""
for d in $NODE_PATHS; do binds+="mount --bind '$STATE/node$d' '$d' && "; done
binds+="{ mountpoint -q $TRACEFS || mount -t tracefs nodev $TRACEFS || echo 'no tracefs: capabilities cannot be recorded' >&2; } && "
PATH="$RUNTIME/usr/bin:$PATH" start containerd unshare --mount --propagation slave -- \
  sh -c "$binds exec \"\$0\" \"\$@\"" "$RUNTIME/usr/bin/containerd" --config "$STATE/containerd/config.toml"
CTR=("$RUNTIME/usr/bin/ctr" --address "$CONTAINERD_SOCK" -n k8s.io)
wait_for containerd 30 "${CTR[@]}" version
CONTAINERD_PID="$(awk '$1 == "containerd" {print $2}' pids)"
NODE_MOUNT_NS="$(readlink "/proc/$CONTAINERD_PID/ns/mnt")"
if [ "$NODE_MOUNT_NS" = "$(readlink /proc/self/ns/mnt)" ]; then
  log "containerd is not in a mount namespace of its own"; exit 1
fi
printf 'NODE_MOUNT_NS=%q\n' "$NODE_MOUNT_NS" >> node.env
if nsenter --mount="/proc/$CONTAINERD_PID/ns/mnt" test -d "$TRACEFS/events/capability"; then
  log "tracefs with the capability events at $TRACEFS in the node"
else
  log "no capability:cap_capable event at $TRACEFS in the node: capabilities cannot be recorded here"
fi
for tarball in "$PAUSE_TAR" "$BUSYBOX_TAR"; do
  "${CTR[@]}" images import --no-unpack=false "$tarball" >/dev/null
done

cat > kubelet.yaml <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP
port: $KUBELET_PORT
healthzPort: $KUBELET_HEALTHZ_PORT
readOnlyPort: 0
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
# The seccomp root, the certificate and volume-plugin dirs default to /var/lib/kubelet and /usr/libexec whatever
# the root dir: each is given here.
log "starting kubelet as node $NODE_NAME"
start kubelet nsenter --mount="/proc/$CONTAINERD_PID/ns/mnt" --wd="$STATE" -- \
  "$BIN/kubelet" --config="$STATE/kubelet.yaml" --kubeconfig="$STATE/kubelet.kubeconfig" \
  --container-runtime=remote --container-runtime-endpoint="unix://$CONTAINERD_SOCK" \
  --node-ip="$NODE_IP" --hostname-override="$NODE_NAME" --root-dir="$KUBELET_ROOT" \
  --seccomp-profile-root="$KUBELET_ROOT/seccomp" --cert-dir="$KUBELET_ROOT/pki" \
  --volume-plugin-dir="$KUBELET_ROOT/volume-plugins"
wait_for "node $NODE_NAME Ready" 120 sh -c \
  "'${KUBECTL[0]}' --kubeconfig '$STATE/kubeconfig' --cache-dir '$STATE/kubectl-cache' get node '$NODE_NAME' -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
wait_for "the default service account" 60 "${KUBECTL[@]}" -n default get serviceaccount default

# A pod through the whole node (sandbox, CNI bridge, runc, logs) before the suite relies on it.
log "running a first pod"
"${KUBECTL[@]}" -n default apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: lpo-e2e-node-check}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers: [{name: check, image: localhost/busybox:e2e, imagePullPolicy: Never, command: [sh, -c, "echo ok"]}]
YAML
wait_for "the first pod to run" 120 sh -c \
  "'${KUBECTL[0]}' --kubeconfig '$STATE/kubeconfig' --cache-dir '$STATE/kubectl-cache' -n default get pod lpo-e2e-node-check -o jsonpath='{.status.phase}' | grep -qx Succeeded"
"${KUBECTL[@]}" -n default delete pod lpo-e2e-node-check --wait=true >/dev/null

# The product's images last: the node is known to work by now.
for tarball in "${images[@]}"; do
  "${CTR[@]}" images import --no-unpack=false "$tarball" >/dev/null
done

# How the chart must be installed here: images were imported, not pulled; and with no kube-proxy the API server
# reaches the webhook only at the node's address (the webhook serves on the host network, one replica), and
# pods reach the API server only at the node's address too (the operator on the host network as well). The agent writes where this kubelet reads profiles.
cat > chart-values.yaml <<YAML
image: {pullPolicy: Never}
operator:
  replicas: 1
  hostNetwork: true
  extraEnv: &apiserver
    - {name: KUBERNETES_SERVICE_HOST, value: "$NODE_IP"}
    - {name: KUBERNETES_SERVICE_PORT, value: "$APISERVER_PORT"}
agent:
  seccompRoot: "$KUBELET_ROOT/seccomp"
  extraEnv: *apiserver
webhook:
  replicas: 1
  hostNetwork: true
  podDisruptionBudget: {enabled: false}
  extraEnv: *apiserver
  url: "https://$NODE_IP:9443/mutate-pods"
  certificateIPs: ["$NODE_IP"]
YAML
printf 'NODE_IP=%s\nNODE_NAME=%s\nKUBECONFIG=%s\nKUBECTL=%s\nSECCOMP_ROOT=%s\n' "$NODE_IP" "$NODE_NAME" \
  "$STATE/kubeconfig" "$BIN/kubectl" "$KUBELET_ROOT/seccomp" > cluster.env
up=true
log "ready: export KUBECONFIG=$STATE/kubeconfig"
echo "$STATE"
