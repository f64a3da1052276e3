#!/usr/bin/env bash
# Builds the product's container image, every program of it in one, as a docker-archive tarball, with no Docker
# engine and no registry: a JRE made by jlink (plus the shared libraries it needs from this machine), and the
# programs' launchers and jars (image/layout.sh). Import it with `ctr -n k8s.io images import`,
# `kind load image-archive`, or `docker load`.
#
# Usage: image/build.sh [output.tar]
#   needs the program modules built: mvn -B -ntp -pl operator/controller,operator/agent,operator/recorder -am package
# Prints the image reference. image/Dockerfile builds the same layout from source where a Docker engine exists.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="$(sed -n 's/^appVersion: "\(.*\)"/\1/p' "$top/helm/least-privilege-operator/Chart.yaml")"
REF="localhost/least-privilege-operator:$VERSION"
OUT="${1:-$top/image/target/least-privilege-operator-$VERSION.tar}"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/rootfs"
mkdir -p "$ROOT/opt/lpo" "$ROOT/etc" "$ROOT/tmp"
chmod 1777 "$ROOT/tmp"

# --- the JRE: image/jre.sh (jlink from LPO_JDK, default JAVA_HOME; the modules of image/jre-modules.txt) ---
"$top/image/jre.sh" "$ROOT/opt/lpo/jre" > /dev/null
# The shared libraries the JRE links against, at the same paths as on this machine (glibc, zlib, the loader).
find "$ROOT/opt/lpo/jre" -type f \( -name '*.so' -o -path '*/bin/java' \) -exec ldd {} + 2>/dev/null \
  | grep -o '/[^ ]*\.so[^ ]*' | sort -u | while read -r lib; do
    case "$lib" in "$ROOT"*) continue ;; esac
    mkdir -p "$ROOT$(dirname "$lib")"
    cp -L "$lib" "$ROOT$lib"
  done
# --- end of the JRE ---

# --- the programs: their launchers in /opt/lpo, their jars in /opt/lpo/lib, each stored once (image/layout.sh) ---
"$top/image/layout.sh" "$ROOT"
# --- end of the programs ---

# --- the agent's class-data archive (image/agent-cds.sh), made inside the image's root filesystem against the files
# as the image stores them: the JVM checks the classpath's paths, sizes and mtimes against the archive's, and the
# tarball stores every mtime as 0. The classpath is the agent's launcher, and the flags the agent's JVM options, as
# the chart runs it (agent-daemonset.yaml, agent.jvmOptions); the script then starts a JVM with them on the archive. ---
find "$ROOT/opt/lpo" -name '*.jar' -exec touch -h -d @0 {} +
read -ra agent_flags <<< "$("$top/image/agent-jvm-options.sh")"
LPO_ROOT="$ROOT" "$top/image/agent-cds.sh" /opt/lpo/jre/bin/java /opt/lpo/lpo-agent.jar /opt/lpo/agent.jsa "${agent_flags[@]}"
# --- end of the archive ---
printf 'root:x:0:0:root:/:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/:/sbin/nologin\n' > "$ROOT/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$ROOT/etc/group"

# The chart sets the command for each program; with no arguments the image runs the operator.
CONFIG='{"Env":["PATH=/opt/lpo/jre/bin","JAVA_HOME=/opt/lpo/jre"],"User":"65532:65532",'\
'"Entrypoint":["/opt/lpo/jre/bin/java"],"Cmd":["-jar","/opt/lpo/lpo-controller.jar"],'\
'"Labels":{"org.opencontainers.image.title":"least-privilege-operator","org.opencontainers.image.version":"'"$VERSION"'"}}'
"$top/image/docker-archive.sh" "$ROOT" "$REF" "$OUT" "$CONFIG"
echo "$REF $OUT"
