#!/usr/bin/env bash
# Stops the cluster e2e/cluster/up.sh started in $LPO_CLUSTER_DIR and removes what it made on the machine, touching
# nothing else: it signals only the processes up.sh recorded (by PID and start time), the shims whose command line
# names this cluster's containerd socket, and the processes in the node's own mount namespace and in the suite's
# cgroup; it deletes only the suite's bridge and cgroup, and the empty mount points up.sh made. The node's mounts
# were all made in its own mount namespace, and end with its last process. Cached binaries and images stay.
# up.sh runs it too when a bring-up fails halfway. Exits non-zero, naming it, if anything is left.
set -uo pipefail
CACHE="${LPO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lpo}"
STATE="$(realpath -m "${LPO_CLUSTER_DIR:-$CACHE/cluster}")"
log() { echo "[cluster] $*" >&2; }
[ -f "$STATE/node.env" ] || { log "no cluster in $STATE"; exit 0; }
# STATE RUNTIME BIN BRIDGE CNI_NETWORK CGROUP CONTAINERD_SOCK CONTAINERD_STATE KUBELET_ROOT CGROUP_MOUNTS
# CREATED_HOST_DIRS, and NODE_MOUNT_NS once containerd ran: as up.sh used them.
NODE_MOUNT_NS=""
PRINTK_RATELIMIT_BEFORE=""
source "$STATE/node.env"
# Every signal below is aimed by these; none may be empty, nor the node's namespace the machine's own.
for var in CGROUP BRIDGE CONTAINERD_SOCK; do
  [ -n "${!var:-}" ] || { log "$STATE/node.env names no $var; not touching anything"; exit 1; }
done
[ "$NODE_MOUNT_NS" != "$(readlink /proc/self/ns/mnt)" ] || NODE_MOUNT_NS=""
CTR=("$RUNTIME/usr/bin/ctr" --address "$CONTAINERD_SOCK" -n k8s.io)

starttime() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '$1 != "Z" {print $20}'; }
# The PID of a process up.sh started, if that very process still runs.
pid_of() {
  local pid start
  read -r pid start < <(awk -v n="$1" '$1 == n {print $2, $3}' "$STATE/pids" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(starttime "$pid")" = "$start" ] && echo "$pid"
}
# Ends a process, given its PID and start time: TERM, and KILL if it is still there after 10 s.
end() {
  local pid="$1" start="$2"
  kill "$pid" 2>/dev/null
  for _ in $(seq 20); do [ "$(starttime "$pid")" = "$start" ] || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null
}
stop() { local pid; pid="$(pid_of "$1")" && end "$pid" "$(starttime "$pid")"; }
# This cluster's containerd shims: their command line names its containerd socket.
shims() {
  for p in /proc/[0-9]*; do
    case "$(cat "$p/comm" 2>/dev/null)" in containerd-shim*) ;; *) continue ;; esac
    tr '\0' '\n' < "$p/cmdline" 2>/dev/null | grep -qxF "$CONTAINERD_SOCK" && echo "${p#/proc/}"
  done
}
# Processes in the node's mount namespace: containerd, the kubelet, the shims, and what they run.
in_node_namespace() {
  [ -n "$NODE_MOUNT_NS" ] || return 0
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$NODE_MOUNT_NS" ] && echo "${p#/proc/}"
  done
}
# Processes in the suite's cgroup: the pods' containers.
in_cgroup() {
  for mnt in $CGROUP_MOUNTS; do
    [ -d "$mnt/$CGROUP" ] && find "$mnt/$CGROUP" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -u
}

# Nothing may make or place new pods while the node is emptied; then the kubelet, so that it restarts nothing.
stop kube-controller-manager
stop kube-scheduler
stop kubelet
# The pods' containers, stopped through this cluster's containerd while it still runs: TERM first, so that the
# product's programs clean up after themselves on the node (the recorder removes its trace instance, which would
# outlive the node: tracefs is the kernel's, one for the whole machine), then KILL for what is left after 10 s.
if pid_of containerd >/dev/null; then
  running() { "${CTR[@]}" tasks list 2>/dev/null | awk 'NR > 1 && $3 != "STOPPED"' | grep -q .; }
  for task in $("${CTR[@]}" tasks list -q 2>/dev/null); do
    "${CTR[@]}" tasks kill -s SIGTERM "$task" >/dev/null 2>&1
  done
  for _ in $(seq 20); do running || break; sleep 0.5; done
  for task in $("${CTR[@]}" tasks list -q 2>/dev/null); do
    "${CTR[@]}" tasks kill -s SIGKILL "$task" >/dev/null 2>&1
  done
  for _ in $(seq 10); do
    "${CTR[@]}" tasks list 2>/dev/null | awk 'NR > 1 && $3 != "STOPPED"' | grep -q . || break
    sleep 0.5
  done
  for c in $("${CTR[@]}" containers list -q 2>/dev/null); do
    "${CTR[@]}" tasks delete -f "$c" >/dev/null 2>&1
    "${CTR[@]}" containers delete "$c" >/dev/null 2>&1
  done
fi
stop containerd
for pid in $(shims); do end "$pid" "$(starttime "$pid")"; done
# Whatever of the node is still there, had containerd or a shim died before: it is ours by its namespace or cgroup.
for _ in $(seq 20); do
  procs="$(in_node_namespace; in_cgroup)"
  [ -z "$procs" ] && break
  kill -9 $procs 2>/dev/null
  sleep 0.5
done
stop kube-apiserver
stop etcd

ip link show "$BRIDGE" >/dev/null 2>&1 && ip link delete "$BRIDGE"
for mnt in $CGROUP_MOUNTS; do
  for _ in $(seq 10); do
    [ -d "$mnt/$CGROUP" ] || break
    find "$mnt/$CGROUP" -depth -type d -exec rmdir {} \; 2>/dev/null
    [ -d "$mnt/$CGROUP" ] && sleep 0.5
  done
done
for dir in $CREATED_HOST_DIRS; do rmdir "$dir" 2>/dev/null; done
# The kernel's log rate limit, as it was before up.sh turned it off.
[ -z "$PRINTK_RATELIMIT_BEFORE" ] || echo "$PRINTK_RATELIMIT_BEFORE" > /proc/sys/kernel/printk_ratelimit

# --- nothing may be left ---
left=()
for name in $(awk '{print $1}' "$STATE/pids" 2>/dev/null); do pid_of "$name" >/dev/null && left+=("process $name"); done
for pid in $(shims); do left+=("shim $pid"); done
for pid in $(in_node_namespace) $(in_cgroup); do left+=("process $pid ($(cat "/proc/$pid/comm" 2>/dev/null))"); done
for m in $(awk -v p="$STATE/" 'index($2, p) == 1 {print $2}' /proc/self/mounts); do left+=("mount $m"); done
ip link show "$BRIDGE" >/dev/null 2>&1 && left+=("network interface $BRIDGE")
for mnt in $CGROUP_MOUNTS; do [ -d "$mnt/$CGROUP" ] && left+=("cgroup $mnt/$CGROUP"); done
for dir in $CREATED_HOST_DIRS; do [ -d "$dir" ] && [ -z "$(ls -A "$dir")" ] && left+=("directory $dir"); done
[ -z "$PRINTK_RATELIMIT_BEFORE" ] || [ "$(cat /proc/sys/kernel/printk_ratelimit)" = "$PRINTK_RATELIMIT_BEFORE" ] \
  || left+=("kernel.printk_ratelimit $(cat /proc/sys/kernel/printk_ratelimit), not $PRINTK_RATELIMIT_BEFORE")
if [ ${#left[@]} -gt 0 ]; then
  printf '[cluster] left behind: %s\n' "${left[@]}" >&2
  exit 1
fi
rm -f "$STATE/node.env" "$STATE/pids"
log "stopped"
