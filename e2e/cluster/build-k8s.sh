#!/usr/bin/env bash
# Builds the Kubernetes binaries of the version in kubernetes.env (KUBERNETES_VERSION, the one place it is written)
# from Debian's `kubernetes` source package, with Debian's Go 1.19, and lays them out for fabric8's kube-api-test:
#
#   $LPO_K8S_DIR/k8s/$KUBERNETES_VERSION-linux-amd64/{kube-apiserver,etcd,kubectl}     (KUBE_API_TEST_DIR=$LPO_K8S_DIR)
#
# plus any other components named on the command line (kube-controller-manager, kube-scheduler, kubelet).
# Nothing is installed system-wide: packages are fetched with a private apt configuration (derived from the
# machine's own apt sources, deb-src added) and unpacked into a private root. The output is cached outside the
# checkout, keyed by version, so a second run takes a second.
#
# Usage: e2e/cluster/build-k8s.sh [component...]      prints the directory to use as KUBE_API_TEST_DIR
set -euo pipefail

source "$(dirname "$0")/kubernetes.env"
VERSION="$KUBERNETES_VERSION"
DEB_VERSION="$KUBERNETES_DEB_VERSION"
CACHE="${LPO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lpo}"
OUT="${LPO_K8S_DIR:-$CACHE/k8s-$VERSION}"
BIN="$OUT/k8s/$VERSION-linux-amd64"
WORK="$CACHE/k8s-build-$VERSION"
components=("kube-apiserver" "$@")

log() { echo "[build-k8s] $*" >&2; }

missing=()
for c in "${components[@]}" etcd kubectl; do
  [ -x "$BIN/$c" ] || missing+=("$c")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "$OUT"
  exit 0
fi
log "building ${missing[*]} into $BIN (a cold build takes about 4 minutes on 2 cores)"
mkdir -p "$BIN" "$WORK"

# A private apt that sees the machine's sources, with deb-src added.
source "$(dirname "$0")/private-apt.sh"
private_apt "$WORK/apt"

# --- toolchain and runtime packages, unpacked into a private root ---
ROOT="$WORK/root"
mkdir -p "$ROOT" "$WORK/debs"
(cd "$WORK/debs" && aptq download golang-1.19-go golang-1.19-src rsync libpopt0 \
  golang-github-modern-go-reflect2-dev etcd-server kubernetes-client >/dev/null)
for d in "$WORK"/debs/*.deb; do dpkg-deb -x "$d" "$ROOT"; done
# Each binary is copied beside its place, then renamed: one that is there is complete.
place() { cp "$1" "$2.part" && mv "$2.part" "$2"; }
place "$ROOT/usr/bin/etcd" "$BIN/etcd"
place "$ROOT/usr/bin/kubectl" "$BIN/kubectl"

# --- the Kubernetes source, with Debian's patches ---
SRC="$WORK/src"
if [ ! -d "$SRC/kubernetes" ]; then
  mkdir -p "$SRC"
  (cd "$SRC" && aptq source --download-only "kubernetes=$DEB_VERSION" >/dev/null)
  (cd "$SRC" && dpkg-source -x --skip-debianization kubernetes_*.dsc kubernetes >/dev/null 2>&1 || \
    dpkg-source -x kubernetes_*.dsc kubernetes >/dev/null)
  # The vendored reflect2 1.0.1 crashes under Go >= 1.18 on the first custom-resource write; 1.0.2 does not.
  rsync_src="$ROOT/usr/share/gocode/src/github.com/modern-go/reflect2"
  dst="$SRC/kubernetes/vendor/github.com/modern-go/reflect2"
  rm -f "$dst"/*.go "$dst"/*.s
  cp "$rsync_src"/*.go "$rsync_src"/*.s "$dst"/ 2>/dev/null || cp "$rsync_src"/*.go "$dst"/
  rm -f "$dst"/*_test.go
fi

export GOROOT="$ROOT/usr/lib/go-1.19"
export PATH="$GOROOT/bin:$ROOT/usr/bin:$PATH"
export LD_LIBRARY_PATH="$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CGO_ENABLED=0 GOPROXY=off GOFLAGS= GOCACHE="$WORK/gocache"
export KUBE_GIT_VERSION=v$VERSION KUBE_GIT_TREE_STATE=clean KUBE_GIT_MAJOR="${VERSION%%.*}" KUBE_GIT_MINOR="$(echo "$VERSION" | cut -d. -f2)"
for c in "${missing[@]}"; do
  case "$c" in etcd|kubectl) continue ;; esac
  log "make WHAT=cmd/$c"
  (cd "$SRC/kubernetes" && make WHAT="cmd/$c" >"$WORK/make-$c.log" 2>&1) || {
    tail -30 "$WORK/make-$c.log" >&2; exit 1; }
  place "$SRC/kubernetes/_output/local/bin/linux/amd64/$c" "$BIN/$c"
done
log "done"
echo "$OUT"
