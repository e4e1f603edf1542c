// Runs a TypeScript entry point without a type-check (the test command type-checks).
// esbuild bundles the project's own TypeScript into .build/ and node runs the bundle; the
// bundle is rebuilt only when one of the files it was built from (recorded in esbuild's
// metafile) or the lockfile changed. Synth also runs from a V8 startup snapshot of its bundle
// (scripts/snapshot.mjs). See docs/testing.md ("Performance") and `npm run bench`.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { bundleIsFresh } from './bundle-state.mjs';
import { runSnapshot } from './snapshot.mjs';
import { sourceLocation } from './source-location.mjs';
import { projectInputs, toVendorLayer, writeWithVendorLayer } from './vendor-layer.mjs';

export const root = resolve(import.meta.dirname, '..');

class BundleError extends Error {}

/**
 * Bundled so that only what we use is loaded: zod/mini tree-shakes to ~45 KB (requiring the
 * package loads all of it, ~60 ms); the Grafana SDK's four builders are a fraction of the
 * package (requiring them loads ~130-180 ms of modules). Everything else stays external, except
 * in a bundle made for a startup snapshot (runTs with `snapshot`), which holds every package.
 */
const BUNDLED = ['zod', '@grafana/grafana-foundation-sdk'];

const OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  metafile: true,
  // Scripts that charts render into ConfigMaps (charts/*/*.py).
  loader: { '.py': 'text' },
  // Not loaded at run time; read only to name the source line of an error (scripts/source-location.mjs).
  sourcemap: 'external',
  sourcesContent: false,
  logLevel: 'silent',
};

/** The packages an entry point without a startup snapshot requires from node_modules at run time. */
function externalPackages() {
  const { dependencies, devDependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return Object.keys({ ...dependencies, ...devDependencies }).filter((name) => !BUNDLED.includes(name));
}

async function bundle(entry, outfile, inputsFile, bundleAll) {
  // Without its list of inputs a bundle is stale: one this build fails to finish is built again.
  rmSync(inputsFile, { force: true });
  const esbuild = await import('esbuild');
  const needed = new Set();
  const result = bundleAll
    ? await esbuild.build({ ...OPTIONS, entryPoints: [join(root, entry)], outfile, format: 'cjs', write: false, plugins: [toVendorLayer(root, needed, BUNDLED)] })
    : esbuild.buildSync({ ...OPTIONS, entryPoints: [join(root, entry)], outfile, format: 'cjs', external: externalPackages() });
  // A key written twice in one object literal (TypeScript's TS1117): esbuild keeps the last one
  // and only warns. In an environment file that silently drops a setting, so it is an error.
  const duplicates = result.warnings.filter((w) => w.id === 'duplicate-object-key' && w.location && !w.location.file.includes('node_modules'));
  if (duplicates.length > 0) {
    rmSync(outfile, { force: true });
    throw new BundleError(duplicates.map((w) => `${w.location.file}:${w.location.line}:${w.location.column + 1}: ${w.text}: the first value would be dropped silently; keep one`).join('\n'));
  }
  let inputs = projectInputs(root, result.metafile);
  if (bundleAll) {
    const vendor = await writeWithVendorLayer({ esbuild, root, options: OPTIONS, outfile, outputFiles: result.outputFiles, keys: [...needed].sort() });
    inputs = [...inputs, ...vendor.inputs];
  }
  writeFileSync(inputsFile, JSON.stringify([...new Set(inputs)].sort()));
}

/**
 * Bundles `entry` (repository-relative) to .build/ when stale and runs it with `args` as process.argv.
 * With `snapshot`, every package is bundled too (a startup snapshot holds one file, and node
 * loads one file faster than many; in two layers, scripts/vendor-layer.mjs), and a bundle that
 * was up to date runs from its startup snapshot (scripts/snapshot.mjs).
 */
export async function runTs(entry, args, { snapshot = false } = {}) {
  const outfile = join(root, '.build', `${basename(entry, '.ts')}.cjs`);
  const inputsFile = `${outfile}.inputs.json`;
  const rebuild = !bundleIsFresh(root, outfile);
  if (rebuild) {
    try {
      await bundle(entry, outfile, inputsFile, snapshot);
    } catch (error) {
      if (!(error instanceof BundleError) && !error?.errors) throw error;
      // esbuild's own errors (a syntax error in an environment file) carry their location too.
      const lines = error instanceof BundleError ? error.message : error.errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ` : ''}${e.text}`).join('\n');
      console.error(`synth failed:\n${lines.replace(/^/gm, '  ')}`);
      process.exitCode = 1;
      return;
    }
  }
  // A bundle just rebuilt runs as it is: a snapshot (about a second to build) pays off only
  // for a bundle that runs again, so it is built by the next run of the same bundle.
  const fromSnapshot = snapshot ? runSnapshot(root, outfile, args, { build: !rebuild }) : { ran: false };
  if (fromSnapshot.ran) {
    process.exitCode = fromSnapshot.status;
    return;
  }
  process.argv = [process.argv[0], outfile, ...args];
  process.env.LAKEHOUSE_ROOT = root;
  process.env.LAKEHOUSE_ENTRY = '1';
  try {
    createRequire(import.meta.url)(outfile);
  } catch (error) {
    // Typically an environment file that throws while it loads: name the file and line
    // instead of a position in the bundle. (The snapshot failed to build for the same reason.)
    console.error(`synth failed: ${sourceLocation(error, outfile, root) ?? entry}: ${error?.message ?? error}`);
    process.exitCode = 1;
    return;
  }
  if (fromSnapshot.why) console.error(`note: ran without the startup snapshot (${fromSnapshot.why})`);
}
