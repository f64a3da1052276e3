#!/usr/bin/env bash
# Fetches the node's runtime from Debian (containerd, runc, CNI plugins) and what the test images are built from
# (busybox-static, Go), unpacked into a private root cached outside the checkout. Prints that root.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
CACHE="${LPO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lpo}"
RUNTIME="$CACHE/runtime-root"
if [ ! -x "$RUNTIME/usr/bin/containerd" ] || [ ! -x "$RUNTIME/bin/busybox" ]; then
  echo "[cluster] fetching containerd, runc, CNI plugins, busybox and Go from Debian into $RUNTIME" >&2
  source "$here/private-apt.sh"
  private_apt "$CACHE/runtime-apt"
  mkdir -p "$CACHE/runtime-debs"
  (cd "$CACHE/runtime-debs" && aptq download containerd runc containernetworking-plugins busybox-static \
    golang-1.19-go golang-1.19-src >/dev/null)
  # Unpacked beside the cache entry, then renamed: an interrupted unpack is never taken for a complete one.
  part="$RUNTIME.part.$$"
  trap 'rm -rf "$part"' EXIT
  mkdir -p "$part"
  for d in "$CACHE"/runtime-debs/*.deb; do dpkg-deb -x "$d" "$part"; done
  rm -rf "$RUNTIME"
  mv "$part" "$RUNTIME"
fi
echo "$RUNTIME"
