#!/usr/bin/env bash
# Stops the cluster e2e/cluster/up.sh started and removes what it left on the node: containers, mounts under the
# kubelet's directory, the CNI bridge. Cached binaries and images stay.
set -uo pipefail
CACHE="${LPO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lpo}"
STATE="${LPO_CLUSTER_DIR:-$CACHE/cluster}"
RUNTIME="$CACHE/runtime-root"
[ -f "$STATE/pids" ] || { echo "[cluster] no cluster in $STATE" >&2; exit 0; }

stop() { # name
  local pid
  pid="$(awk -v n="$1" '$1 == n {print $2}' "$STATE/pids")"
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null
}

stop kubelet
# The shims our containerd started, one per pod sandbox: each is the parent of the container processes whose PIDs
# the bundles record (init.pid). Ended by PID below, should one outlive its containers.
shims="$(for f in /run/containerd/io.containerd.runtime.v2.task/*/*/init.pid; do
  [ -f "$f" ] && awk '{print $4}' "/proc/$(cat "$f")/stat" 2>/dev/null
done | sort -u)"
# Pods' containers outlive the kubelet; stop them through containerd while it still runs.
CTR=("$RUNTIME/usr/bin/ctr" --address /run/containerd/containerd.sock -n k8s.io)
for task in $("${CTR[@]}" tasks list -q 2>/dev/null); do
  "${CTR[@]}" tasks kill -s SIGKILL "$task" >/dev/null 2>&1
done
sleep 1
for c in $("${CTR[@]}" containers list -q 2>/dev/null); do
  "${CTR[@]}" tasks delete -f "$c" >/dev/null 2>&1
  "${CTR[@]}" containers delete "$c" >/dev/null 2>&1
done
stop containerd
for pid in $shims; do
  # Only if that PID is still a shim: a PID may have been reused since.
  case "$(cat "/proc/$pid/comm" 2>/dev/null)" in containerd-shim*) kill "$pid" 2>/dev/null ;; esac
done
for name in kube-scheduler kube-controller-manager kube-apiserver etcd; do stop "$name"; done

# Mounts the kubelet and containerd made (volumes, sandbox namespaces, rootfs), deepest first.
grep -E ' (/var/lib/kubelet|/run/containerd|/var/lib/containerd/io.containerd.grpc.v1.cri)' /proc/mounts \
  | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
ip link delete cni0 2>/dev/null
rm -f "$STATE/pids"
echo "[cluster] stopped" >&2
