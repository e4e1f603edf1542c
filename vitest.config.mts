import { basename, join } from 'node:path';

const root = import.meta.dirname;
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Charts import the scripts they render into ConfigMaps as text, as esbuild's text loader does for synth.
  plugins: [{ name: 'text-py', transform: (code, id) => (id.endsWith('.py') ? `export default ${JSON.stringify(code)};` : undefined) }],
  test: {
    include: ['test/**/*.test.ts'],
    // Two workers match the machine. Loading cdk8s and the charts (about 4 MB of generated
    // imports/) and the in-memory synth of test/helpers.ts are the expensive part of most
    // suites: without isolation each worker does them once, not once per file. No suite
    // mocks a module or changes shared state (environments are cloned before a change).
    pool: 'threads',
    // Scratch files on /dev/shm where it is a tmpfs (test/lib/scratch-tmpdir.mjs).
    globalSetup: ['test/lib/scratch-tmpdir.mjs'],
    maxWorkers: 2,
    isolate: false,
    // Vite's transform of each TypeScript module is kept in .build/vitest-cache between runs,
    // keyed on the file's content, this config and the lockfile, not on how its imports resolve (a new
    // file shadowing an import path needs `npx vitest run --clearCache`, which empties it).
    experimental: { fsModuleCache: true, fsModuleCachePath: '.build/vitest-cache' },
    // Some suites run the CLIs as child processes (synth, the az round trip, cdk8s): on a busy
    // 2-core machine one can take several seconds.
    testTimeout: 30000,
    // Snapshots live in the top-level __snapshots__/ folder cdk8s users expect.
    resolveSnapshotPath: (testPath, extension) => join(root, '__snapshots__', basename(testPath) + extension),
  },
});
