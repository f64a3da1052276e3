#!/usr/bin/env bash
# Prints the agent's JVM options, the chart's agent.jvmOptions (helm/least-privilege-operator/values.yaml): the one
# place they are written. The image build dumps the agent's class-data archive with them and starts a JVM with them
# against it (image/agent-cds.sh), because an archive dumped with other heap or GC settings (a build host's default
# heap above ~32 GiB turns compressed pointers off, say) does not map into the agent's JVM.
#
# Usage: image/agent-jvm-options.sh [values.yaml]   (default: the chart's, next to this script's directory)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
VALUES="${1:-$here/../helm/least-privilege-operator/values.yaml}"
[ -f "$VALUES" ] || { echo "image/agent-jvm-options.sh: no chart values at $VALUES" >&2; exit 1; }
# agent.jvmOptions is a folded scalar (>-): its lines follow, indented deeper than the key.
opts="$(awk '
  /^[^ #]/ { top = $1 }
  top == "agent:" && /^  jvmOptions: >-$/ { on = 1; next }
  on && /^    / { sub(/^ +/, ""); printf "%s ", $0; next }
  on { exit }
' "$VALUES")"
[ -n "$opts" ] || { echo "image/agent-jvm-options.sh: $VALUES has no agent.jvmOptions (a folded >- scalar)" >&2; exit 1; }
echo "${opts% }"
