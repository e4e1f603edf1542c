// Whether a bundle in .build/ and its startup snapshot are current. Shared by scripts/run-ts.mjs,
// scripts/snapshot.mjs and the snapshot itself (scripts/synth-entry.ts), which checks this when
// scripts/synth.sh starts node from it directly.
import { existsSync, readFileSync, statSync } from 'node:fs';

/** A bundle is current when no file it was built from (esbuild's metafile), nor the lockfile, tsconfig.json (esbuild reads it) or the scripts that build it, changed since. */
export function bundleIsFresh(root, bundle) {
  // Plain stats and string paths: this runs first in every synth started from the snapshot.
  const built = statSync(bundle, { throwIfNoEntry: false })?.mtimeMs;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(`${bundle}.inputs.json`, 'utf8'));
  } catch {
    return false;
  }
  if (built === undefined) return false;
  return [...inputs, 'package-lock.json', 'tsconfig.json', 'scripts/run-ts.mjs', 'scripts/vendor-layer.mjs', 'scripts/snapshot.mjs'].every(
    (file) => (statSync(`${root}/${file}`, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) <= built,
  );
}

export const snapshotOf = (bundle) => bundle.replace(/\.cjs$/, '.snapshot.blob');

/** What a snapshot depends on besides the bundle's sources: it is valid for one bundle, one node, one NODE_OPTIONS, one repository path. */
export function snapshotKey(root, bundle) {
  const { size, mtimeMs } = statSync(process.execPath);
  const built = statSync(bundle);
  return JSON.stringify({
    bundle: [built.size, built.mtimeMs],
    node: [process.version, process.execPath, size, mtimeMs],
    options: process.env.NODE_OPTIONS ?? '',
    // Stack traces in the snapshot name the bundle by its absolute path (scripts/source-location.mjs).
    root,
  });
}

/** What scripts/snapshot.mjs recorded about the snapshot of `bundle`: `{ key, failed? }`, or undefined. */
export function snapshotState(bundle) {
  try {
    return JSON.parse(readFileSync(`${snapshotOf(bundle)}.json`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The bundle is current and its snapshot was built from it, for this node and these options. */
export function snapshotIsCurrent(root, bundle) {
  const state = snapshotState(bundle);
  return bundleIsFresh(root, bundle) && !state?.failed && state?.key === snapshotKey(root, bundle) && existsSync(snapshotOf(bundle));
}
