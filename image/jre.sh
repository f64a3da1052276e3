#!/usr/bin/env bash
# The image's Java runtime, made by jlink from a JDK 17: only the modules in image/jre-modules.txt (jdeps over the
# programs' jars, plus jdk.crypto.ec, the EC provider the webhook's certificates need), and the JDK's default CDS
# archive of those modules (--generate-cds-archive), which a bare jlink image lacks: without it every JDK class
# is parsed into each process's own metaspace. Java 17, not 25: the agent is smaller on it (docs/performance.md,
# "The agent's resident memory").
#
# Usage: image/jre.sh OUTPUT_DIR
#   LPO_JDK   the JDK to build it from (default: JAVA_HOME, else the JDK of the jlink on PATH)
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:?usage: image/jre.sh OUTPUT_DIR}"
if [ -n "${LPO_JDK:-}" ]; then
  JDK="$LPO_JDK"
elif [ -n "${JAVA_HOME:-}" ]; then
  JDK="$JAVA_HOME"
elif command -v jlink > /dev/null; then
  JDK="$(dirname "$(dirname "$(readlink -f "$(command -v jlink)")")")"
else
  JDK=""
fi
if [ -z "$JDK" ] || [ ! -x "$JDK/bin/jlink" ]; then
  echo "image/jre.sh: no JDK with jlink found (LPO_JDK=${LPO_JDK:-}, JAVA_HOME=${JAVA_HOME:-}); set LPO_JDK to a JDK 17 home" >&2
  exit 1
fi
feature="$("$JDK/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
case "$feature" in
  17) compress=2 ;;           # jlink 17 knows only the numbered levels
  1[89]|2[0-9]) compress=zip-6 ;;  # 21+: --compress=2 is deprecated
  *) echo "image/jre.sh: $JDK is Java ${feature:-unknown}; the image needs 17 or later (LPO_JDK)" >&2; exit 1 ;;
esac
if [ "$feature" = 17 ]; then
  # The chart's agent.jvmOptions use -XX:TrimNativeHeapInterval, which Java 17 has from 17.0.9: an older JVM
  # refuses the option and the agent would not start.
  version="$("$JDK/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.version = //p')"
  update="$(echo "$version" | sed -n 's/^17\.[0-9]*\.\([0-9]*\).*/\1/p')"
  if [ "${update:-0}" -lt 9 ]; then
    echo "image/jre.sh: $JDK is Java $version; the image needs 17.0.9 or later (the agent's -XX:TrimNativeHeapInterval, helm values agent.jvmOptions); set LPO_JDK" >&2
    exit 1
  fi
fi
rm -rf "$OUT"
"$JDK/bin/jlink" --add-modules "$(tr -d '\n' < "$top/image/jre-modules.txt")" --strip-debug --no-man-pages \
  --no-header-files --compress="$compress" --generate-cds-archive --output "$OUT" > /dev/null
if [ "$feature" -ge 24 ]; then
  # The default archive for compact object headers too (the JDK ships one, jlink does not make it): a JVM with
  # -XX:+UseCompactObjectHeaders looks for this one, and without it shares no JDK class at all.
  "$OUT/bin/java" -XX:+UseCompactObjectHeaders -Xshare:dump -XX:SharedArchiveFile="$OUT/lib/server/classes_coh.jsa" \
    > /dev/null
fi
