#!/usr/bin/env bash
# The test command (npm test): installs what it needs, then runs every check
# (scripts/checks.mjs: one per two cores at a time, each with its time, the slowest listed at
# the end; the first failure stops the run). SKIP_SCANNERS=1 runs only the TypeScript checks.
set -euo pipefail
cd "$(dirname "$0")/.."
began=$SECONDS
if [ -z "${SKIP_SCANNERS:-}" ]; then
  # On a cold machine the Prometheus build (minutes of CPU) overlaps the downloads of set-up; the
  # checks that need the tools wait for it on its lock. A warm cache returns at once.
  mkdir -p .build
  bash scripts/prometheus-tools.sh all >/dev/null 2>.build/prometheus-tools.log &
fi
if [ -n "${SKIP_SCANNERS:-}" ]; then bash scripts/ensure-deps.sh; else bash scripts/ensure-deps.sh --python; fi
echo "-- set-up: $((SECONDS - began))s"
node scripts/checks.mjs ${SKIP_SCANNERS:+--only-typescript}
printf '\nnpm test: %ss\n' "$((SECONDS - began))"
