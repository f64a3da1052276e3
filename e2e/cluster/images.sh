#!/usr/bin/env bash
# Builds the images the end-to-end pods use, as docker-archive tarballs cached outside the checkout:
#   localhost/pause:local      the sandbox process (pause/pause.go, built with Debian's Go)
#   localhost/busybox:e2e      busybox-static with every applet linked, /etc/passwd, /tmp, and a copy of busybox
#                              at /usr/local/bin/nc carrying the file capability cap_net_bind_service+ep: containerd
#                              gives no ambient capabilities, so a non-root process gets NET_BIND_SERVICE only
#                              through a file capability, and only where the pod's bounding set keeps it;
#                              and /usr/local/bin/writeprobe, which prints the errno of write(2, ...) on stdout.
# Usage: e2e/cluster/images.sh RUNTIME_ROOT      prints the tarballs
# A tarball appears in the cache only once complete; a failed or interrupted build leaves no work files behind.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
RUNTIME="$1"
CACHE="${LPO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lpo}"
OUT="$CACHE/images"
mkdir -p "$OUT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
top="$here/../.."
archive="$top/image/docker-archive.sh"
probe="$top/operator/cli/src/test/resources/probe/writeprobe.c"
# Keyed by what builds them, so a changed recipe makes new images.
key="$(cat "$0" "$probe" "$here/pause/pause.go" | sha256sum | cut -c1-12)"
PAUSE_TAR="$OUT/pause-$key.tar"
BUSYBOX_TAR="$OUT/busybox-$key.tar"

if [ ! -f "$PAUSE_TAR" ]; then
  mkdir -p "$work/pause"
  (cd "$here/pause" && GOROOT="$RUNTIME/usr/lib/go-1.19" GO111MODULE=off CGO_ENABLED=0 GOCACHE="$work/gocache" \
    "$RUNTIME/usr/lib/go-1.19/bin/go" build -ldflags=-s -o "$work/pause/pause" pause.go)
  "$archive" "$work/pause" localhost/pause:local "$PAUSE_TAR" '{"Entrypoint":["/pause"]}'
fi

if [ ! -f "$BUSYBOX_TAR" ]; then
  root="$work/busybox"
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/usr/local/bin"
  chmod 1777 "$root/tmp"
  cp "$RUNTIME/bin/busybox" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list-full); do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -sf /bin/busybox "$root/$applet"
  done
  cp "$RUNTIME/bin/busybox" "$root/usr/local/bin/nc"
  setcap cap_net_bind_service+ep "$root/usr/local/bin/nc"
  gcc -static -O2 -o "$root/usr/local/bin/writeprobe" "$probe"
  printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n' > "$root/etc/group"
  "$archive" "$root" localhost/busybox:e2e "$BUSYBOX_TAR" '{"Env":["PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin"],"Cmd":["sh"]}'
fi
echo "$PAUSE_TAR $BUSYBOX_TAR"
