#!/usr/bin/env bash
# Deletes the kind cluster e2e/kind/up.sh made, and puts back the kernel's log rate limit up.sh turned off.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
STATE="${LPO_CLUSTER_DIR:-$here/../target/kind}"
kind delete cluster --name "${LPO_KIND_CLUSTER:-lpo-e2e}"
rc=$?
if [ -f "$STATE/printk_ratelimit.before" ]; then
  cat "$STATE/printk_ratelimit.before" > /proc/sys/kernel/printk_ratelimit && rm -f "$STATE/printk_ratelimit.before"
fi
exit $rc
