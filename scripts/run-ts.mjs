// Runs a TypeScript entry point without a type-check (the test command type-checks):
// esbuild bundles the project's own TypeScript in ~0.1 s, then node runs it. This is
// several times faster than ts-node or tsx (see PERFORMANCE.md and `npm run bench`).
import { buildSync } from 'esbuild';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..');

/** Bundles `entry` (repository-relative) to .build/ and runs it with `args` as process.argv. */
export function runTs(entry, args) {
  const outfile = join(root, '.build', `${basename(entry, '.ts')}.cjs`);
  buildSync({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  process.argv = [process.argv[0], outfile, ...args];
  process.env.LAKEHOUSE_ROOT = root;
  process.env.LAKEHOUSE_ENTRY = '1';
  createRequire(import.meta.url)(outfile);
}
