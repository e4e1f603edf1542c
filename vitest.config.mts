import { basename, join } from 'node:path';

const root = import.meta.dirname;
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One synth per worker is the expensive part; two workers match the machine.
    pool: 'threads',
    maxWorkers: 2,
    // Snapshots live in the top-level __snapshots__/ folder cdk8s users expect.
    resolveSnapshotPath: (testPath, extension) => join(root, '__snapshots__', basename(testPath) + extension),
  },
});
