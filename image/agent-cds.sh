#!/usr/bin/env bash
# The agent's class-data archive (AppCDS, static): the JDK and library classes the agent loads, parsed and laid
# out once at image build time and mapped read-only by every agent process, instead of parsed into each one's
# metaspace (docs/performance.md, "The agent's resident memory"). Made from a class list (image/agent-classes.txt:
# the classes an agent loaded while installing 1,000 profiles; AgentMemoryProbe writes it), so no agent has to run
# at build time. A class the list names that the classpath no longer has is skipped; a class missing from the
# list is loaded as without an archive.
#
# Usage: image/agent-cds.sh JAVA CLASSPATH ARCHIVE [the agent's JVM flags]
#   JAVA, CLASSPATH and ARCHIVE as the agent will run them: a Java 17 JVM checks that the classpath is the one
#   the archive was made with (same paths, same jar sizes and mtimes) and otherwise ignores the archive.
#   The flags: the agent's own (the image build passes the chart's agent.jvmOptions, image/agent-jvm-options.sh).
#   The dump runs with them (less -Xshare and -XX:SharedArchiveFile), because the archive keeps the heap's
#   compressed-pointer mode and the object layout of the JVM that dumped it: a dump with the build host's default
#   heap (above ~32 GiB: no compressed pointers) does not map into an agent with -Xmx64m. Then a JVM starts with
#   the flags and -Xshare:on against the archive; the script fails if that JVM cannot map it.
#   LPO_ROOT           an image's root filesystem: JAVA, CLASSPATH and ARCHIVE are paths inside it, and the dump
#                      runs chrooted there (as root, or in a user namespace), so the paths are the image's own.
#   LPO_AGENT_CLASSES  the class list (default image/agent-classes.txt)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
usage="usage: image/agent-cds.sh JAVA CLASSPATH ARCHIVE [flags]"
JAVA="${1:?$usage}" CP="${2:?$usage}" OUT="${3:?$usage}"
shift 3
LIST="${LPO_AGENT_CLASSES:-$here/agent-classes.txt}"
[ -f "$LIST" ] || { echo "image/agent-cds.sh: no class list at $LIST" >&2; exit 1; }
run=()
list="$LIST"
log="$(mktemp)"
if [ -n "${LPO_ROOT:-}" ]; then
  [ -d "$LPO_ROOT/tmp" ] || { echo "image/agent-cds.sh: LPO_ROOT=$LPO_ROOT has no tmp directory" >&2; exit 1; }
  list="/tmp/agent-classes.$$.txt"
  cp "$LIST" "$LPO_ROOT$list"
  trap 'rm -f "$LPO_ROOT$list" "$log"' EXIT
  if [ "$(id -u)" = 0 ]; then run=(chroot "$LPO_ROOT"); else run=(unshare -r chroot "$LPO_ROOT"); fi
  # The launcher finds libjli.so through $ORIGIN, which the loader resolves with /proc, absent in the chroot.
  export LD_LIBRARY_PATH="$(dirname "$(dirname "$JAVA")")/lib"
else
  trap 'rm -f "$log"' EXIT
fi
dump_flags=()
for flag in "$@"; do
  case "$flag" in -Xshare:*|-XX:SharedArchiveFile=*) ;; *) dump_flags+=("$flag") ;; esac
done
# A dump warns once per listed class it cannot find (a lambda form of another JDK build, say): the log is shown
# only when the dump fails.
"${run[@]}" "$JAVA" ${dump_flags[@]+"${dump_flags[@]}"} -Xshare:dump -XX:SharedClassListFile="$list" -XX:SharedArchiveFile="$OUT" -cp "$CP" \
  > "$log" 2>&1 || { cat "$log" >&2; echo "image/agent-cds.sh: the dump failed" >&2; exit 1; }
# The smoke start: the agent's flags, the archive required (a later -Xshare wins over the flags' own).
"${run[@]}" "$JAVA" "$@" -XX:SharedArchiveFile="$OUT" -Xshare:on -cp "$CP" -version > "$log" 2>&1 || {
  cat "$log" >&2
  echo "image/agent-cds.sh: a JVM with the agent's flags ($*) cannot map the archive $OUT" >&2
  exit 1
}
