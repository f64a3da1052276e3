# Sourced by the cluster scripts: an apt that reads this machine's configured sources, with a deb-src entry added
# for each deb one, but keeps its own lists and cache, so packages are fetched and unpacked without installing
# anything system-wide. Where the sources are comes from apt's own configuration (apt-config: Dir::Etc::sourcelist
# and Dir::Etc::sourceparts, wherever Dir and APT_CONFIG put them), in either format apt reads: one-line entries
# (sources.list, *.list) and deb822 stanzas (*.sources). Options such as signed-by and arch are kept, and the
# machine's trusted keys are used as apt uses them. A source that cannot be reached only gives a warning: the
# packages asked for afterwards fail by name if no source has them.
# Usage: private_apt DIR; then aptq <apt-get arguments>.
private_apt() {
  APT="$1"
  local list parts f out n=0
  eval "$(apt-config shell list Dir::Etc::sourcelist/f parts Dir::Etc::sourceparts/d)"
  rm -rf "$APT/sources.list.d"
  mkdir -p "$APT/sources.list.d" "$APT/lists/partial" "$APT/cache/archives/partial"
  for f in "${list:-}" "${parts:-/nonexistent}"/*.list "${parts:-/nonexistent}"/*.sources; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    out="$APT/sources.list.d/$n-$(basename "$f")"
    case "$f" in
      *.sources)
        # deb822: every stanza whose Types has deb gets deb-src too (field names are case-insensitive).
        awk 'tolower($1) == "types:" { has_src = 0; has_deb = 0
               for (i = 2; i <= NF; i++) { if ($i == "deb") has_deb = 1; if ($i == "deb-src") has_src = 1 }
               if (has_deb && !has_src) { print $0 " deb-src"; next } }
             { print }' "$f" > "$out" ;;
      *)
        # One-line entries ("deb [options] uri suite component..."): each deb line, and the same as deb-src.
        awk '$1 == "deb" { print; sub(/deb/, "deb-src"); print; next }
             $1 == "deb-src" { print }' "$f" > "$out" ;;
    esac
  done
  local errors
  if ! errors="$(aptq update 2>&1 >/dev/null)"; then
    echo "[private-apt] apt-get update reported errors (continuing; a missing package is named below):" >&2
  fi
  [ -z "$errors" ] || echo "$errors" | grep -E '^(E|W):' | sed 's/^/[private-apt] /' >&2 || true
}

aptq() {
  apt-get -q -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$APT/sources.list.d" \
    -o Dir::State::Lists="$APT/lists" -o Dir::Cache="$APT/cache" -o Dir::Cache::archives="$APT/cache/archives" \
    -o APT::Sandbox::User=root "$@"
}
