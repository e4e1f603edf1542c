// Runs a bundle (.build/<name>.cjs, every package inlined) from a V8 startup snapshot of it:
// `node --snapshot-blob` starts with the bundle's modules already loaded, about as fast as a
// bare node (docs/testing.md, "Performance"). The snapshot lives next to the bundle in
// .build/ (never committed) and is valid for one bundle (its size and time), one node (version,
// path, binary), one NODE_OPTIONS and one repository path; otherwise it is built again. When it
// cannot be built or loaded, the caller runs the bundle itself and prints why.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { snapshotKey, snapshotOf, snapshotState } from './bundle-state.mjs';

/** Node's exit code when it cannot load a startup snapshot (built by another node or with other V8 flags). */
const SNAPSHOT_NOT_LOADED = 14;

/**
 * Runs `bundle` from its snapshot with `args`, building the snapshot first when it is stale
 * (with `build`; otherwise the caller runs the bundle).
 * @returns {{ ran: true, status: number } | { ran: false, why?: string }}
 */
export function runSnapshot(root, bundle, args, { build: mayBuild }) {
  const blob = snapshotOf(bundle);
  const keyFile = `${blob}.json`;
  const key = snapshotKey(root, bundle);
  let state = snapshotState(bundle);
  if (state?.key !== key || (!state.failed && !existsSync(blob))) {
    if (!mayBuild) return { ran: false };
    state = { key, failed: build(root, bundle, blob) };
    writeFileSync(keyFile, JSON.stringify(state));
    if (state.failed) return { ran: false, why: `building it failed: ${state.failed}` };
  } else if (state.failed) {
    return { ran: false, why: `building it failed: ${state.failed}; tried again when the bundle changes` };
  }

  // Node's own options (--require, --cpu-prof, ...) apply to the run; `--` keeps every argument synth's.
  const run = spawnSync(process.execPath, [...process.execArgv, '--snapshot-blob', blob, '--', ...args], {
    stdio: 'inherit',
    env: { ...process.env, LAKEHOUSE_ROOT: root, LAKEHOUSE_SNAPSHOT_CHECKED: '1' },
  });
  if (run.error) return { ran: false, why: `node did not start: ${run.error.message}` };
  if (run.status === SNAPSHOT_NOT_LOADED) return { ran: false, why: 'node could not load it (other V8 options than it was built with?)' };
  if (run.signal === 'SIGSEGV' || run.signal === 'SIGABRT') {
    // A damaged snapshot crashes node while it loads: drop it, the next run builds it again.
    rmSync(blob, { force: true });
    return { ran: false, why: `node crashed loading it (${run.signal}); it is built again next time` };
  }
  return { ran: true, status: run.status ?? 1 };
}

/** Builds the snapshot into `blob`; returns why it failed (one line), or undefined. */
function build(root, bundle, blob) {
  const partial = `${blob}.${process.pid}`;
  const env = { ...process.env, LAKEHOUSE_ROOT: root };
  delete env.LAKEHOUSE_ENTRY;
  const made = spawnSync(process.execPath, ['--snapshot-blob', partial, '--build-snapshot', bundle], { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    if (made.status === 0 && existsSync(partial)) {
      renameSync(partial, blob);
      return undefined;
    }
  } catch (error) {
    return String(error.message).split('\n')[0];
  } finally {
    rmSync(partial, { force: true });
  }
  rmSync(blob, { force: true });
  // Node warns that some built-in modules are not verified in snapshots; the error is the line that is not a warning.
  const lines = (made.error?.message ?? made.stderr ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const error = lines.find((l) => /^(?:[A-Z]\w*)?Error\b/.test(l)) ?? lines.at(-1) ?? `exit ${made.status ?? made.signal}`;
  return error.slice(0, 200);
}
