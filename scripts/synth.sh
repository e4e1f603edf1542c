#!/usr/bin/env bash
# npm run synth [-- <env>...] (main.ts). When synth's startup snapshot exists, node starts from
# it directly, one process instead of two: the snapshot checks that it is still current and
# otherwise hands over to scripts/synth.mjs, which rebuilds what is stale (scripts/snapshot.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
blob=.build/synth-entry.snapshot.blob
# A TypeScript source edited since the snapshot was built means a new bundle: straight to
# synth.mjs (the snapshot would find out as well, one node start later).
edited() { [ -n "$(find main.ts charts environments imports -name '*.ts' -newer "$blob" -print -quit 2>/dev/null)" ]; }
if [ -f "$blob" ] && ! edited; then
  status=0
  LAKEHOUSE_ROOT="$(pwd -P)" node --snapshot-blob "$blob" -- "$@" || status=$?
  # 14: this node cannot load the snapshot (another version); 134, 139: it crashed loading it.
  case "$status" in
    14 | 134 | 139) rm -f "$blob" ;;
    *) exit "$status" ;;
  esac
fi
exec node scripts/synth.mjs "$@"
