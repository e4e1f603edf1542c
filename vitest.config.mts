import { basename, join } from 'node:path';

const root = import.meta.dirname;
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Charts import the scripts they render into ConfigMaps as text, as esbuild's text loader does for synth.
  plugins: [{ name: 'text-py', transform: (code, id) => (id.endsWith('.py') ? `export default ${JSON.stringify(code)};` : undefined) }],
  test: {
    include: ['test/**/*.test.ts'],
    // One synth per worker is the expensive part; two workers match the machine.
    pool: 'threads',
    maxWorkers: 2,
    // Some suites run the CLIs as child processes (synth, the az round trip, cdk8s): on a busy
    // 2-core machine one can take several seconds.
    testTimeout: 30000,
    // Snapshots live in the top-level __snapshots__/ folder cdk8s users expect.
    resolveSnapshotPath: (testPath, extension) => join(root, '__snapshots__', basename(testPath) + extension),
  },
});
