import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepository, root } from './helpers';

// `npm run synth` runs a bundle that was up to date from a V8 startup snapshot of it
// (scripts/synth.sh, scripts/snapshot.mjs). These runs go through the real node and the real
// snapshot, in a copy of the repository; the tests of a describe build on each other, in order,
// each with a few runs.

/** `npm run synth`'s command: node starts from the snapshot when there is one, else scripts/synth.mjs runs. */
const synth = (copy: string) => spawnSync('bash', ['scripts/synth.sh'], { cwd: copy, encoding: 'utf8' });
const blob = (copy: string) => join(copy, '.build', 'synth-entry.snapshot.blob');

/** Runs `check` while scripts/synth.mjs fails: what passes was synthesized by a node started from the snapshot alone. */
function withoutSynthMjs(copy: string, check: () => void): void {
  const script = join(copy, 'scripts', 'synth.mjs');
  const original = readFileSync(script, 'utf8');
  writeFileSync(script, 'process.exit(3);\n');
  try {
    check();
  } finally {
    writeFileSync(script, original);
  }
}

describe('synth from a startup snapshot, and without one', () => {
  let copy: string;
  let dev: string;
  beforeAll(() => {
    copy = copyRepository();
    dev = join(copy, 'dist', 'dev');
  });
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  // dist/dev/ is a file: synth throws while it runs (restored after the second test).
  let bundleError: string;
  it('names the .ts line of an error from the bundle (first run: bundle built, no snapshot yet)', () => {
    rmSync(dev, { recursive: true });
    writeFileSync(dev, '');
    const fromBundle = synth(copy);
    expect(existsSync(blob(copy))).toBe(false);
    expect(fromBundle.status).toBe(1);
    bundleError = fromBundle.stderr.trim();
    expect(bundleError).toMatch(/^synth failed: charts\/lib\/output\.ts:\d+:\d+: ENOTDIR/);
  });

  it('names the same line from a snapshot run by synth.mjs (second run: builds it) and from the snapshot alone', () => {
    const fromSnapshot = synth(copy);
    expect(existsSync(blob(copy))).toBe(true);
    expect(fromSnapshot.status).toBe(1);
    expect(fromSnapshot.stderr.trim()).toBe(bundleError);
    withoutSynthMjs(copy, () => {
      const direct = synth(copy);
      expect(direct.status).toBe(1);
      expect(direct.stderr.trim()).toBe(bundleError);
    });
    rmSync(dev);
    cpSync(join(root, 'dist', 'dev'), dev, { recursive: true });
  });

  it('needs nothing but the snapshot for an unchanged repository, reads the Azure outputs at each run, and refuses a CDK8S_OUTDIR naming dist/', () => {
    withoutSynthMjs(copy, () => {
      const unchanged = synth(copy);
      expect(unchanged.status, unchanged.stderr).toBe(0);
      expect(unchanged.stdout).toContain('dev: no change');
      expect(unchanged.stdout).toContain('prod: no change');

      const reader = join(dev, 'secret-store', 'serviceaccount-azure-key-vault-reader.yaml');
      const committedReader = readFileSync(reader, 'utf8');
      const outputsPath = join(copy, 'environments', 'dev.azure.json');
      const outputs = JSON.parse(readFileSync(outputsPath, 'utf8'));
      outputs.identities['external-secrets'].clientId = '00000000-1111-4222-8333-444444444444';
      writeFileSync(outputsPath, JSON.stringify(outputs));
      const newOutputs = synth(copy);
      expect(newOutputs.status, newOutputs.stderr).toBe(0);
      expect(readFileSync(reader, 'utf8')).not.toBe(committedReader);
      expect(readFileSync(reader, 'utf8')).toContain('client-id: "00000000-1111-4222-8333-444444444444"');

      // A CDK8S_OUTDIR naming dist/ left in the shell: the snapshot refuses it (in main()) as synth.mjs does.
      const before = readFileSync(reader, 'utf8');
      const refused = spawnSync('bash', ['scripts/synth.sh'], { cwd: copy, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: 'dist', npm_lifecycle_event: 'synth' } });
      expect(refused.status).toBe(1);
      expect(refused.stderr.trim()).toMatch(/^CDK8S_OUTDIR \("dist"\) is set in your shell .* dist\/ is untouched\./);
      expect(readFileSync(reader, 'utf8')).toBe(before);
    });
  });

  // charts/polaris/creator.py is rendered into a ConfigMap; no .ts changes, so only the
  // snapshot's own check notices. An older snapshot would write the old script back.
  const creator = () => readFileSync(join(dev, 'polaris', 'configmap-polaris-catalog-creator.yaml'), 'utf8');
  it('hands over to synth.mjs when a file of the bundle changed, which rebuilds the bundle and runs it', () => {
    const script = join(copy, 'charts', 'polaris', 'creator.py');
    writeFileSync(script, `${readFileSync(script, 'utf8')}# edited\n`);
    const edited = synth(copy);
    expect(edited.status, edited.stderr).toBe(0);
    expect(creator()).toContain('# edited');
  });

  it('builds the next snapshot from the new bundle', () => {
    const next = synth(copy);
    expect(next.status, next.stderr).toBe(0);
    expect(next.stdout).toContain('dev: no change');
    expect(creator()).toContain('# edited');
  });

  // The edit also makes dev.ts load a module that refuses to load into a snapshot (as one using a
  // built-in that snapshots do not support might), for the two tests after it, and a package no
  // file of the bundle used before (ajv), which the bundle's vendor layer must then hold
  // (scripts/run-ts.mjs).
  const polaris = () => readFileSync(join(dev, 'polaris', 'deployment-polaris.yaml'), 'utf8');
  it('goes to synth.mjs at once after an edited environment file', () => {
    const envPath = join(copy, 'environments', 'dev.ts');
    const polarisSettings = "replicas: 1,\n      cpu: 0.5,\n      memoryGiB: 1,\n      realm: 'POLARIS',";
    const original = readFileSync(envPath, 'utf8');
    expect(original.split(polarisSettings)).toHaveLength(2);
    const refusing = "import { startupSnapshot } from 'node:v8';\nif (startupSnapshot.isBuildingSnapshot()) throw new Error('not in a snapshot');\n";
    const newPackage = "import { Ajv } from 'ajv';\nif (typeof new Ajv().compile !== 'function') throw new Error('no ajv');\n";
    writeFileSync(envPath, refusing + newPackage + original.replace(polarisSettings, polarisSettings.replace('replicas: 1', 'replicas: 2')));
    const edited = synth(copy);
    expect(edited.status, edited.stderr).toBe(0);
    expect(edited.stderr).toBe('');
    expect(polaris()).toContain('  replicas: 2\n');
    expect(creator()).toContain('# edited');
  });

  it('runs the bundle itself, saying why in one line, when the snapshot cannot be built', () => {
    const fallback = synth(copy);
    expect(fallback.status, fallback.stderr).toBe(0);
    expect(fallback.stdout).toContain('dev: no change');
    expect(fallback.stderr.trim()).toBe('note: ran without the startup snapshot (building it failed: Error: not in a snapshot)');
    expect(polaris()).toContain('  replicas: 2\n');
  });

  it('does not try again for the same bundle', () => {
    const next = synth(copy);
    expect(next.status).toBe(0);
    expect(next.stderr.trim()).toBe('note: ran without the startup snapshot (building it failed: Error: not in a snapshot; tried again when the bundle changes)');
    expect(existsSync(blob(copy))).toBe(false);
  });
});
