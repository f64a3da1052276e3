#!/usr/bin/env bash
# Packs a root filesystem directory into a single-layer docker-archive tarball, importable without a registry
# (`ctr images import`, `kind load image-archive`, `docker load`). Reproducible: sorted, owned by root, mtime 0.
# File capabilities (security.capability xattrs) are kept, so a setcap'd program works in the container.
#
# Usage: image/docker-archive.sh ROOTFS REF OUT.tar CONFIG_JSON
#   CONFIG_JSON is the image's "config" object, e.g. '{"Entrypoint":["/pause"]}'.
set -euo pipefail
ROOT="$1" REF="$2" OUT="$3" CONFIG="$4"
WORK="$(mktemp -d)"
PART="$OUT.part.$$"
trap 'rm -rf "$WORK" "$PART"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pack() { tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime "$@"; }

pack --xattrs --xattrs-include=security.capability -C "$ROOT" -cf "$WORK/layer.tar" .
LAYER_SHA="$(sha256sum "$WORK/layer.tar" | cut -d' ' -f1)"
mkdir -p "$WORK/archive/$LAYER_SHA"
mv "$WORK/layer.tar" "$WORK/archive/$LAYER_SHA/layer.tar"
printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":%s,'\
'"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},'\
'"history":[{"created":"1970-01-01T00:00:00Z","created_by":"image/docker-archive.sh"}]}\n' \
  "$CONFIG" "$LAYER_SHA" > "$WORK/config.json"
CONFIG_SHA="$(sha256sum "$WORK/config.json" | cut -d' ' -f1)"
mv "$WORK/config.json" "$WORK/archive/$CONFIG_SHA.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]\n' "$CONFIG_SHA" "$REF" "$LAYER_SHA" \
  > "$WORK/archive/manifest.json"
# Written beside OUT, then renamed: OUT is complete or absent, never a part (the caches key on its presence).
mkdir -p "$(dirname "$OUT")"
pack -C "$WORK/archive" -cf "$PART" .
mv "$PART" "$OUT"
