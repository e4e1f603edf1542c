// Runs main.ts without a type-check (the test command type-checks): esbuild bundles the
// app's own TypeScript in ~0.1 s and node runs it. See PERFORMANCE.md for why not ts-node.
import { buildSync } from 'esbuild';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { root } from './crds.mjs';

const outfile = join(root, '.build', 'main.cjs');
buildSync({
  entryPoints: [join(root, 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  logLevel: 'error',
});
process.env.LAKEHOUSE_ROOT = root;
process.env.LAKEHOUSE_SYNTH_ENTRY = '1';
createRequire(import.meta.url)(outfile);
