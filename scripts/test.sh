#!/usr/bin/env bash
# The test command (npm test): installs what it needs, then runs every check
# (scripts/checks.mjs: one per two cores at a time, each with its time, the slowest listed at
# the end; the first failure stops the run). SKIP_SCANNERS=1 runs only the TypeScript checks.
set -euo pipefail
cd "$(dirname "$0")/.."
began=$SECONDS
# In the background from the start, each holding .build/prefetch-<name>.lock until it ends: the
# Prometheus build (minutes of CPU on a cold machine), Maven's downloads for every pom, and the
# Trino server with its catalog stand-in. They overlap set-up's downloads and the first checks;
# scripts/checks.mjs starts a check that needs one once its lock is free. A warm cache makes
# each return at once. Their output: .build/prefetch-<name>.log.
background() {
  local name=$1 lock
  shift
  exec {lock}>".build/prefetch-$name.lock"
  flock "$lock"
  "$@" >".build/prefetch-$name.log" 2>&1 &
  exec {lock}>&-
}
if [ -z "${SKIP_SCANNERS:-}" ]; then
  mkdir -p .build
  background prometheus bash scripts/prometheus-tools.sh all
  background maven node scripts/prefetch.mjs maven
  background trino node scripts/prefetch.mjs trino
fi
if [ -n "${SKIP_SCANNERS:-}" ]; then bash scripts/ensure-deps.sh; else bash scripts/ensure-deps.sh --python; fi
echo "-- set-up: $((SECONDS - began))s"
node scripts/checks.mjs ${SKIP_SCANNERS:+--only-typescript}
printf '\nnpm test: %ss\n' "$((SECONDS - began))"
