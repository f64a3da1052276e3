# Sourced by the cluster scripts: an apt that reads this machine's configured sources (deb-src added) but keeps
# its own lists and cache, so packages are fetched and unpacked without installing anything system-wide.
# Usage: private_apt DIR; then aptq <apt-get arguments>.
private_apt() {
  APT="$1"
  mkdir -p "$APT/sources.list.d" "$APT/lists/partial" "$APT/cache/archives/partial"
  : > "$APT/sources.list.d/lpo.list"
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    grep -E '^deb ' "$f" | grep -v -e 'cloud.google' -e nodesource | sed 's/^deb /deb-src /' >> "$APT/sources.list.d/lpo.list" || true
    grep -E '^deb ' "$f" | grep -v -e 'cloud.google' -e nodesource >> "$APT/sources.list.d/lpo.list" || true
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed 's/^Types:.*/Types: deb deb-src/' "$f" > "$APT/sources.list.d/$(basename "$f")"
  done
  aptq update >/dev/null
}

aptq() {
  apt-get -q -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$APT/sources.list.d" \
    -o Dir::State::Lists="$APT/lists" -o Dir::Cache="$APT/cache" -o Dir::Cache::archives="$APT/cache/archives" \
    -o APT::Sandbox::User=root "$@"
}
