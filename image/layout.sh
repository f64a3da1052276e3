#!/usr/bin/env bash
# The programs of the image, as files under DEST/opt/lpo: each program module's jar, which is its launcher (its
# manifest names the Main-Class and, in Class-Path, the module's runtime-scope dependencies as lib/<file>), and
# under lib/ exactly the files those manifests name, each stored once. Nothing else: lpo.jar (the CLI, with lpo
# local's mock API server) is not a program of the image. image/build.sh and image/Dockerfile both lay the image out
# with this script, and the image module's tests check what it lays out (image/target/layout).
#
# Usage: image/layout.sh DEST
#   needs the program modules built: mvn -B -ntp -pl operator/controller,operator/agent,operator/recorder -am package
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$1"
# The launchers: the operator, the webhook and the uninstall hook share the controller's (each its own main class).
LAUNCHERS=(operator/controller/target/lpo-controller.jar operator/agent/target/lpo-agent.jar
  operator/recorder/target/lpo-recorder.jar)

fail() { echo "image/layout.sh: $*" >&2; exit 1; }

# A jar's manifest Class-Path, one entry a line (manifest lines are folded at 72 bytes; a folded line starts with a space).
class_path() {
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && jar xf "$1" META-INF/MANIFEST.MF)
  tr -d '\r' < "$tmp/META-INF/MANIFEST.MF" \
    | awk '/^ / { line = line substr($0, 2); next } { if (line != "") print line; line = $0 } END { print line }' \
    | sed -n 's/^Class-Path: //p' | tr ' ' '\n' | sed '/^$/d'
  rm -rf "$tmp"
}

install -d -m 0755 "$DEST/opt" "$DEST/opt/lpo" "$DEST/opt/lpo/lib"
for launcher in "${LAUNCHERS[@]}"; do
  jar="$top/$launcher"
  [ -f "$jar" ] || fail "$launcher is missing; run: mvn -B -ntp -pl operator/controller,operator/agent,operator/recorder -am package -DskipTests"
  install -m 0644 "$jar" "$DEST/opt/lpo/$(basename "$jar")"
  entries="$(class_path "$jar")"
  [ -n "$entries" ] || fail "$launcher has no Class-Path in its manifest: is it a launcher (lpo.launcher in its pom)?"
  while read -r entry; do
    case "$entry" in lib/*.jar) ;; *) fail "$launcher names $entry in its Class-Path; a launcher names lib/<file>.jar only" ;; esac
    from="$(dirname "$jar")/$entry"
    to="$DEST/opt/lpo/$entry"
    [ -f "$from" ] || fail "$launcher names $entry, which is not in $(dirname "$launcher")/lib; rebuild the module"
    if [ -e "$to" ]; then
      cmp -s "$from" "$to" || fail "$entry differs between two programs' lib directories; rebuild them in one reactor"
    else
      install -m 0644 "$from" "$to"
    fi
  done <<< "$entries"
done
