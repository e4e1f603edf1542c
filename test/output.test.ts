import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PICTURE_FILE } from '../charts/lib/platform-picture';
import { sharedFiles, synthesize } from '../charts/synth';
import { environments } from '../environments';
import { main } from '../main';
import { copyRepository, envNames, readCommittedOutputs, root, synthAll } from './helpers';

function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

function directoriesUnder(dir: string, under = ''): string[] {
  if (!existsSync(join(dir, under))) return [];
  return readdirSync(join(dir, under), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => [join(under, e.name), ...directoriesUnder(dir, join(under, e.name))]);
}

// One copy of the repository for every test that runs a CLI (a copy per test was slow and, on a
// busy machine, timed out); what such a test may change is put back from the repository after it.
let copy: string;
beforeAll(() => {
  copy = copyRepository();
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));
/**
 * Registered in the describes whose tests run a CLI in the copy (the others only read the
 * repository). Only what differs is written back, so the files a test left alone keep their
 * times (the bundle's freshness is decided on them) and a restore costs reads, not a copy.
 */
function restoreCopyAfterEach(): void {
  afterEach(() => {
    for (const dir of ['environments', 'dist', join('bicep', 'env')]) {
      const expected = filesUnder(join(root, dir));
      const actual = filesUnder(join(copy, dir));
      for (const path of actual.keys()) if (!expected.has(path)) rmSync(join(copy, dir, path));
      for (const path of directoriesUnder(join(copy, dir)).reverse()) if (!existsSync(join(root, dir, path))) rmSync(join(copy, dir, path), { recursive: true });
      for (const [path, content] of expected) {
        if (actual.get(path) === content) continue;
        const file = join(copy, dir, path);
        rmSync(file, { recursive: true, force: true });
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
      expect(filesUnder(join(copy, dir))).toEqual(expected);
    }
    rmSync(join(copy, '.build', 'cdk8s-out'), { recursive: true, force: true });
  });
}

describe('committed output', () => {
  it('dist/ equals a fresh synth of every environment (run `npm run synth` and commit)', () => {
    const expected = new Map<string, string>();
    for (const r of synthAll()) for (const f of r.files!) expected.set(`${r.name}/${f.path}`, f.content);
    for (const r of synthAll()) expected.set(`${r.name}/${PICTURE_FILE}`, r.picture!);
    for (const [file, content] of sharedFiles()) expected.set(file, content);
    const actual = filesUnder(join(root, 'dist'));
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, content] of expected) expect(actual.get(path), path).toBe(content);
  });

  it('bicep/env/ holds exactly the fresh ledger and parameters of every environment', () => {
    const actual = filesUnder(join(root, 'bicep', 'env'));
    const monitored = new Set(synthAll().filter((r) => r.monitoring).map((r) => r.name));
    expect([...actual.keys()].sort()).toEqual(envNames.flatMap((n) => [`${n}.bicepparam`, `${n}.workloads.json`, ...(monitored.has(n) ? [`${n}.monitoring.json`] : [])]).sort());
    for (const r of synthAll()) {
      expect(actual.get(`${r.name}.workloads.json`)).toBe(`${JSON.stringify(r.ledger, null, 2)}\n`);
      expect(actual.get(`${r.name}.bicepparam`)).toBe(r.bicepParams);
      if (r.monitoring) expect(actual.get(`${r.name}.monitoring.json`)).toBe(`${JSON.stringify(r.monitoring, null, 2)}\n`);
    }
  });

  it('every environments/*.ts is registered in environments/index.ts', () => {
    const files = readdirSync(join(root, 'environments')).filter((f) => /^[a-z0-9]+\.ts$/.test(f) && f !== 'index.ts');
    expect(files.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual(envNames);
  });

  it('synthesizing twice gives byte-identical output', () => {
    const again = synthesize({ environments, readOutputs: readCommittedOutputs });
    expect(again.map((r) => r.files!.map((f) => f.content))).toEqual(synthAll().map((r) => r.files!.map((f) => f.content)));
    expect(again.map((r) => JSON.stringify(r.ledger))).toEqual(synthAll().map((r) => JSON.stringify(r.ledger)));
  });
});

describe('npm run synth on a broken setting', () => {
  restoreCopyAfterEach();

  it('exits 1 naming the file and key, keeps that environment\'s dist/, still writes its ledger and synthesizes the others', () => {
    // GIVEN the copy's dev outputs lack a client ID, its prod output is stale, and a copy of dev.ts is not in environments/index.ts
    const outputsPath = join(copy, 'environments', 'dev.azure.json');
    const outputs = JSON.parse(readFileSync(outputsPath, 'utf8'));
    delete outputs.identities['external-secrets'];
    writeFileSync(outputsPath, JSON.stringify(outputs));
    rmSync(join(copy, 'bicep', 'env', 'dev.workloads.json'));
    const prodFile = readdirSync(join(copy, 'dist', 'prod', 'polaris'))[0];
    const prodContent = readFileSync(join(copy, 'dist', 'prod', 'polaris', prodFile), 'utf8');
    rmSync(join(copy, 'dist', 'prod', 'polaris', prodFile));
    const before = filesUnder(join(copy, 'dist', 'dev'));
    writeFileSync(join(copy, 'environments', 'staging.ts'), readFileSync(join(copy, 'environments', 'dev.ts'), 'utf8').replace("name: 'dev'", "name: 'staging'"));

    // WHEN synth runs
    const run = spawnSync(process.execPath, ['scripts/synth.mjs'], { cwd: copy, encoding: 'utf8' });

    // THEN it fails precisely, in one line for dev, dist/dev/ is byte-for-byte what it was, the ledger exists, and prod is written
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('environments/dev.azure.json: identities.external-secrets.clientId (missing) must exist');
    expect(run.stderr).toContain('npm run deploy -- dev');
    expect(run.stderr).toContain('synth failed for dev: dist/dev/ left unchanged');
    expect(run.stderr).toContain(`environments/index.ts: environments (["dev","prod"]) must include staging (environments/staging.ts), which synth skips otherwise: add \`import staging from './staging';\` and staging to it`);
    expect(run.stderr.split('\n').filter((l) => l.includes('npm run deploy'))).toHaveLength(1);
    expect(run.stdout).toContain('synthesized prod');
    expect(filesUnder(join(copy, 'dist', 'dev'))).toEqual(before);
    expect(readFileSync(join(copy, 'dist', 'prod', 'polaris', prodFile), 'utf8')).toBe(prodContent);
    expect(existsSync(join(copy, 'bicep', 'env', 'dev.workloads.json'))).toBe(true);
  });
});

describe('npm run synth -- <env> of a file environments/index.ts lacks', () => {
  restoreCopyAfterEach();

  it('says that it is not known, and what to add to index.ts', () => {
    writeFileSync(join(copy, 'environments', 'staging.ts'), readFileSync(join(copy, 'environments', 'dev.ts'), 'utf8').replace("name: 'dev'", "name: 'staging'"));
    const said: string[] = [];
    const error = vi.spyOn(console, 'error').mockImplementation((line: string) => void said.push(line));
    try {
      expect(main(copy, ['staging'])).toBe(1);
    } finally {
      error.mockRestore();
    }
    expect(said).toEqual([
      'synth failed: environments/index.ts: environments ("staging") is not a known environment; expected one of dev, prod',
      `  environments/index.ts: environments (["dev","prod"]) must include staging (environments/staging.ts), which synth skips otherwise: add \`import staging from './staging';\` and staging to it`,
    ]);
  });
});

describe('every entry point keeps its promise about dist/', () => {
  restoreCopyAfterEach();

  it('names the environment file and line when the file throws while loading, and keeps dist/', () => {
    const envPath = join(copy, 'environments', 'dev.ts');
    const text = readFileSync(envPath, 'utf8').replace('export default defineEnvironment({', "const settings: any = undefined;\nexport default defineEnvironment({\n  tags: settings.tags,");
    writeFileSync(envPath, text);
    const before = filesUnder(join(copy, 'dist'));
    const run = spawnSync(process.execPath, ['scripts/synth.mjs'], { cwd: copy, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe("synth failed: environments/dev.ts:9:18: Cannot read properties of undefined (reading 'tags')");
    expect(filesUnder(join(copy, 'dist'))).toEqual(before);
  });

  it('names each key written twice in an environment file, and a CDK8S_OUTDIR left in the shell, keeping dist/', () => {
    const envPath = join(copy, 'environments', 'dev.ts');
    const original = readFileSync(envPath, 'utf8');
    const at = original.indexOf('      replicas:');
    const line = original.slice(at, original.indexOf('\n', at) + 1);
    writeFileSync(envPath, original.slice(0, at) + line + original.slice(at));
    const lineNumber = original.slice(0, at).split('\n').length + 1;
    const before = filesUnder(join(copy, 'dist'));
    const twice = spawnSync(process.execPath, ['scripts/synth.mjs'], { cwd: copy, encoding: 'utf8' });
    expect(twice.status).toBe(1);
    expect(twice.stderr).toContain(`environments/dev.ts:${lineNumber}:7: Duplicate key "replicas" in object literal: the first value would be dropped silently; keep one`);
    // The bundle is not kept: the next run reports it again.
    expect(spawnSync(process.execPath, ['scripts/synth.mjs'], { cwd: copy, encoding: 'utf8' }).status).toBe(1);
    writeFileSync(envPath, original);

    // Refused before any bundle is built (a synth started from the snapshot refuses in main(): test/synth-snapshot.test.ts).
    const bundle = join(copy, '.build', 'synth-entry.cjs');
    rmSync(bundle, { force: true });
    const shell = spawnSync(process.execPath, ['scripts/synth.mjs'], { cwd: copy, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: 'dist', npm_lifecycle_event: 'synth' } });
    expect(shell.status).toBe(1);
    expect(shell.stderr).toContain('CDK8S_OUTDIR ("dist") is set in your shell');
    expect(shell.stderr).toContain('dist/ is untouched');
    expect(shell.stderr).not.toContain('cdk8s.yaml');
    expect(filesUnder(join(copy, 'dist'))).toEqual(before);
    expect(existsSync(bundle)).toBe(false);
  });

  it('refuses `cdk8s synth --output dist`, which deletes dist/ before the app runs, and says how to recover', () => {
    const cli = join(copy, 'node_modules', '.bin', 'cdk8s');
    const run = spawnSync(cli, ['synth', '--output', 'dist', '--no-check-upgrade'], { cwd: copy, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('cdk8s.yaml output or cdk8s synth --output ("dist") must not be dist/, inside it or around it');
    expect(run.stdout + run.stderr).toContain('git checkout -- dist');
  });

  it('synthesizes under `cdk8s synth` with the committed cdk8s.yaml, into dist/ and the CLI folder', () => {
    const before = filesUnder(join(copy, 'dist'));
    const run = spawnSync(join(copy, 'node_modules', '.bin', 'cdk8s'), ['synth', '--no-check-upgrade'], { cwd: copy, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(filesUnder(join(copy, 'dist'))).toEqual(before);
    expect(existsSync(join(copy, '.build', 'cdk8s-out', 'dev'))).toBe(true);
  });
});
