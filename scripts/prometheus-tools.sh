#!/usr/bin/env bash
# Builds promtool and the Prometheus server from the Go module proxy into
# ~/.cache/aks-lakehouse/prometheus-<version>-static-sd-quick/ (never committed) and prints that directory.
# The tests call it; a second call finds the binaries and returns at once.
#   bash scripts/prometheus-tools.sh [promtool|prometheus|all]
# Built with the tag remove_all_sd (plugins/plugin_*.go at the tag): the tests scrape static
# targets only, and leaving out the cloud service discoveries cuts the build to a few minutes
# (244 s for promtool, then 382 s for prometheus with a cold Go build cache here, at load ~10).
# And with the compiler's optimizations and inlining off (-N -l) except in the standard library
# and Prometheus's PromQL engine and data model, which promtool's rule tests run hot: measured
# with a cold build cache, 349 s of CPU against 475 s fully optimized (321 s with none), while
# the promtool check takes 0.8 s more CPU (twice as much with no optimization at all). No debug
# information either (-dwarf=false, -ldflags=-s -w; nothing here runs a debugger): 326 s of CPU
# against 357 s with it, in one measurement each. The flags change how fast the code is built
# and runs, not what it does, so they are not part of the folder's name.
set -euo pipefail
version=v0.316.0   # github.com/prometheus/prometheus v0.316.0 is Prometheus 3.16.0
what=${1:-all}
dir="${XDG_CACHE_HOME:-$HOME/.cache}/aks-lakehouse/prometheus-$version-static-sd-quick"
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
  # Of several -gcflags that match a package, the last one wins.
  CGO_ENABLED=0 GOBIN="$dir/.tmp" GOFLAGS=-mod=mod go install -tags remove_all_sd \
    '-ldflags=-s -w' '-gcflags=all=-N -l -dwarf=false' '-gcflags=std=-dwarf=false' \
    '-gcflags=github.com/prometheus/prometheus/promql/...=-dwarf=false' '-gcflags=github.com/prometheus/prometheus/model/...=-dwarf=false' \
    "${missing[@]}" >&2
  mv "$dir"/.tmp/* "$dir/"
  echo "prometheus-tools.sh: built ${missing[*]} in $((SECONDS - start)) s" >&2
fi
echo "$dir"
