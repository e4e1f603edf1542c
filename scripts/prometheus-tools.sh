#!/usr/bin/env bash
# Builds promtool and the Prometheus server from the Go module proxy into
# ~/.cache/aks-lakehouse/prometheus-<version>/ (never committed) and prints that directory.
# The tests call it; a second call finds the binaries and returns at once.
#   bash scripts/prometheus-tools.sh [promtool|prometheus|all]
set -euo pipefail
version=v0.316.0   # github.com/prometheus/prometheus v0.316.0 is Prometheus 3.16.0
what=${1:-all}
dir="${XDG_CACHE_HOME:-$HOME/.cache}/aks-lakehouse/prometheus-$version"
mkdir -p "$dir"
build() {
  local cmd=$1
  [ -x "$dir/$cmd" ] && return 0
  command -v go >/dev/null || { echo "prometheus-tools.sh: go is not installed (needed to build $cmd $version)" >&2; exit 1; }
  local start=$SECONDS
  # GOBIN install keeps the module out of any go.mod; CGO off gives a static binary.
  CGO_ENABLED=0 GOBIN="$dir/.tmp" GOFLAGS=-mod=mod go install "github.com/prometheus/prometheus/cmd/$cmd@$version" >&2
  mv "$dir/.tmp/$cmd" "$dir/$cmd"
  echo "prometheus-tools.sh: built $cmd $version in $((SECONDS - start)) s" >&2
}
case $what in
  promtool|prometheus) build "$what" ;;
  all) build promtool; build prometheus ;;
  *) echo "usage: prometheus-tools.sh [promtool|prometheus|all]" >&2; exit 2 ;;
esac
echo "$dir"
