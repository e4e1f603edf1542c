import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyRepository, root } from './helpers';

// `npm run synth` runs a bundle that was up to date from a V8 startup snapshot of it
// (scripts/synth.sh, scripts/snapshot.mjs). These runs go through the real node and the real snapshot.
const copies: string[] = [];
afterEach(() => {
  for (const copy of copies.splice(0)) rmSync(copy, { recursive: true, force: true });
});

function freshCopy(): string {
  const copy = copyRepository();
  // With the lockfile the bundle stays up to date between runs (scripts/run-ts.mjs), as in a clone.
  cpSync(join(root, 'package-lock.json'), join(copy, 'package-lock.json'));
  copies.push(copy);
  return copy;
}

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

describe('synth from a startup snapshot', () => {
  it('gives what the bundle gives, reads outputs at run time, names the .ts line of an error, and is never older than the bundle', () => {
    const copy = freshCopy();
    const dev = join(copy, 'dist', 'dev');

    // An error thrown while synth runs (dist/dev/ is a file here) names the same .ts line from
    // the bundle (first run: bundle built, no snapshot yet), from a snapshot run by
    // scripts/synth.mjs (second run: builds it) and from a node started from it by synth.sh.
    rmSync(dev, { recursive: true });
    writeFileSync(dev, '');
    const fromBundle = synth(copy);
    expect(existsSync(blob(copy))).toBe(false);
    expect(fromBundle.status).toBe(1);
    expect(fromBundle.stderr.trim()).toMatch(/^synth failed: charts\/lib\/output\.ts:\d+:\d+: ENOTDIR/);
    const fromSnapshot = synth(copy);
    expect(existsSync(blob(copy))).toBe(true);
    expect(fromSnapshot.status).toBe(1);
    expect(fromSnapshot.stderr.trim()).toBe(fromBundle.stderr.trim());
    withoutSynthMjs(copy, () => {
      const direct = synth(copy);
      expect(direct.status).toBe(1);
      expect(direct.stderr.trim()).toBe(fromBundle.stderr.trim());
    });
    rmSync(dev);
    cpSync(join(root, 'dist', 'dev'), dev, { recursive: true });

    withoutSynthMjs(copy, () => {
      // Unchanged: nothing to write.
      const unchanged = synth(copy);
      expect(unchanged.status, unchanged.stderr).toBe(0);
      expect(unchanged.stdout).toContain('dev: no change');
      expect(unchanged.stdout).toContain('prod: no change');

      // The Azure outputs are read by each run, not kept in the snapshot.
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
    });

    // An edited script (charts/polaris/creator.py, rendered into a ConfigMap): synth.sh starts
    // the snapshot, which finds its bundle stale and hands over to synth.mjs; that rebuilds the
    // bundle and runs it as it is. The next run builds a snapshot of the new bundle (an older
    // snapshot would write the old script back).
    const script = join(copy, 'charts', 'polaris', 'creator.py');
    const creator = join(dev, 'polaris', 'configmap-polaris-catalog-creator.yaml');
    writeFileSync(script, `${readFileSync(script, 'utf8')}# edited\n`);
    for (const step of ['handed over, rebuilt', 'snapshot built']) {
      const edited = synth(copy);
      expect(edited.status, `${step}: ${edited.stderr}`).toBe(0);
      expect(readFileSync(creator, 'utf8'), step).toContain('# edited');
    }

    // An edited environment file: synth.sh sees a newer .ts and goes to synth.mjs at once.
    const envPath = join(copy, 'environments', 'dev.ts');
    const polaris = join(dev, 'polaris', 'deployment-polaris.yaml');
    const polarisSettings = "replicas: 1,\n      cpu: 0.5,\n      memoryGiB: 1,\n      realm: 'POLARIS',";
    const original = readFileSync(envPath, 'utf8');
    expect(original.split(polarisSettings)).toHaveLength(2);
    writeFileSync(envPath, original.replace(polarisSettings, polarisSettings.replace('replicas: 1', 'replicas: 2')));
    for (const step of ['rebuilt', 'snapshot built']) {
      const edited = synth(copy);
      expect(edited.status, `${step}: ${edited.stderr}`).toBe(0);
      expect(readFileSync(polaris, 'utf8'), step).toContain('  replicas: 2\n');
      expect(readFileSync(creator, 'utf8'), step).toContain('# edited');
    }
  });

  it('runs the bundle itself, saying why in one line, when the snapshot cannot be built', () => {
    const copy = freshCopy();
    const envPath = join(copy, 'environments', 'dev.ts');
    // A module that refuses to load into a snapshot (as one using a built-in that snapshots do not support might).
    writeFileSync(envPath, `import { startupSnapshot } from 'node:v8';\nif (startupSnapshot.isBuildingSnapshot()) throw new Error('not in a snapshot');\n${readFileSync(envPath, 'utf8')}`);
    expect(synth(copy).status).toBe(0);
    const fallback = synth(copy);
    expect(fallback.status, fallback.stderr).toBe(0);
    expect(fallback.stdout).toContain('dev: no change');
    expect(fallback.stderr.trim()).toBe('note: ran without the startup snapshot (building it failed: Error: not in a snapshot)');
    // Not tried again for the same bundle.
    const next = synth(copy);
    expect(next.status).toBe(0);
    expect(next.stderr.trim()).toBe('note: ran without the startup snapshot (building it failed: Error: not in a snapshot; tried again when the bundle changes)');
    expect(existsSync(blob(copy))).toBe(false);
  });
});
