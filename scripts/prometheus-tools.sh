#!/usr/bin/env bash
# Builds promtool and the Prometheus server from the Go module proxy into
# ~/.cache/aks-lakehouse/prometheus-<version>-static-sd/ (never committed) and prints that directory.
# The tests call it; a second call finds the binaries and returns at once.
#   bash scripts/prometheus-tools.sh [promtool|prometheus|all]
# Built with the tag remove_all_sd (plugins/plugin_*.go at the tag): the tests scrape static
# targets only, and leaving out the cloud service discoveries cuts the build to a few minutes
# (244 s for promtool, then 382 s for prometheus with a cold Go build cache here, at load ~10).
set -euo pipefail
version=v0.316.0   # github.com/prometheus/prometheus v0.316.0 is Prometheus 3.16.0
what=${1:-all}
dir="${XDG_CACHE_HOME:-$HOME/.cache}/aks-lakehouse/prometheus-$version-static-sd"
mkdir -p "$dir"
case $what in
  promtool|prometheus) wanted=("$what") ;;
  all) wanted=(promtool prometheus) ;;
  *) echo "usage: prometheus-tools.sh [promtool|prometheus|all]" >&2; exit 2 ;;
esac
# One build at a time: the checks run concurrently, and two may ask for the tools at once.
exec 9>"$dir/.lock"
flock 9
missing=()
for cmd in "${wanted[@]}"; do [ -x "$dir/$cmd" ] || missing+=("github.com/prometheus/prometheus/cmd/$cmd@$version"); done
if [ ${#missing[@]} -gt 0 ]; then
  command -v go >/dev/null || { echo "prometheus-tools.sh: go is not installed (needed to build Prometheus $version)" >&2; exit 1; }
  start=$SECONDS
  # One go install builds the shared packages once. GOBIN keeps the module out of any go.mod;
  # CGO off gives static binaries. The staging directory keeps a half-built binary out of $dir.
  rm -rf "$dir/.tmp"
  CGO_ENABLED=0 GOBIN="$dir/.tmp" GOFLAGS=-mod=mod go install -tags remove_all_sd "${missing[@]}" >&2
  mv "$dir"/.tmp/* "$dir/"
  echo "prometheus-tools.sh: built ${missing[*]} in $((SECONDS - start)) s" >&2
fi
echo "$dir"
