import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { azureOutputsSchema } from '../charts/lib/azure-outputs';
import { copyRepository, parseYaml, root } from './helpers';

const TENANT = 'dc8117ac-2f36-4dcb-b19e-16cc2ba0e849';
const copies: string[] = [];
afterAll(() => copies.forEach((c) => rmSync(c, { recursive: true, force: true })));

function runAz(command: 'deploy' | 'what-if', env: Record<string, string> = {}, path = `${join(root, 'test', 'fake-az')}:${process.env.PATH}`) {
  const copy = copyRepository();
  copies.push(copy);
  const log = join(copy, 'az-calls.jsonl');
  writeFileSync(log, '');
  const before = readFileSync(join(copy, 'environments', 'dev.azure.json'), 'utf8');
  const run = spawnSync(process.execPath, ['scripts/azure.mjs', command, 'dev'], {
    cwd: copy,
    encoding: 'utf8',
    env: { ...process.env, PATH: path, FAKE_AZ_LOG: log, FAKE_AZ_TENANT: TENANT, ...env },
  });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
  const after = readFileSync(join(copy, 'environments', 'dev.azure.json'), 'utf8');
  return { copy, run, calls, before, after };
}

describe('npm run deploy', () => {
  it('validates, then creates, then writes the outputs file that synth reads', () => {
    const { copy, run, calls, after } = runAz('deploy');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const steps = calls.map((c) => c.slice(0, 3).join(' '));
    expect(steps).toEqual(['version --output json', 'account show --output', 'group create --subscription', 'deployment group validate', 'deployment group create']);
    const create = calls[4];
    const flag = (name: string) => create[create.indexOf(name) + 1];
    expect(flag('--template-file')).toBe('bicep/main.bicep');
    expect(flag('--parameters')).toBe('bicep/env/dev.bicepparam');
    expect(flag('--subscription')).toBe('0c9b0e19-65a1-40a2-a651-5d7d5a241a1d');
    expect(flag('--resource-group')).toBe('rg-lakehouse-dev');

    const outputs = azureOutputsSchema.parse(JSON.parse(after));
    const ledger = JSON.parse(readFileSync(join(copy, 'bicep', 'env', 'dev.workloads.json'), 'utf8'));
    expect(Object.keys(outputs.identities).sort()).toEqual(ledger.identities.map((i: any) => i.name).sort());

    // THEN the next synth annotates the service accounts with the new client IDs
    const synth = spawnSync(process.execPath, ['scripts/synth.mjs', 'dev'], { cwd: copy, encoding: 'utf8' });
    expect(synth.status).toBe(0);
    const sa = parseYaml(readFileSync(join(copy, 'dist', 'dev', 'secret-store', 'serviceaccount-azure-key-vault-reader.yaml'), 'utf8'));
    expect(sa.metadata.annotations['azure.workload.identity/client-id']).toBe(outputs.identities['external-secrets'].clientId);
  });

  it('fails clearly when az is not installed, writing nothing', () => {
    const { run, before, after } = runAz('deploy', {}, '/usr/bin/does-not-exist');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the Azure CLI (az) is not on PATH');
    expect(after).toBe(before);
  });

  it('fails clearly when az is not logged in', () => {
    const { run, calls, before, after } = runAz('deploy', { FAKE_AZ_LOGGED_OUT: '1' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`az is not logged in: run \`az login --tenant ${TENANT}\``);
    expect(calls.some((c) => c[0] === 'deployment')).toBe(false);
    expect(after).toBe(before);
  });

  it('refuses to deploy into another tenant', () => {
    const { run, after, before } = runAz('deploy', { FAKE_AZ_TENANT: '00000000-0000-4000-8000-000000000000' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('az is logged in to tenant 00000000-0000-4000-8000-000000000000, but environments/dev.ts azure.tenantId is');
    expect(after).toBe(before);
  });

  it.each(['validate', 'create'])('leaves the outputs file untouched when %s fails', (step) => {
    const { run, calls, before, after } = runAz('deploy', { FAKE_AZ_FAIL: step });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`az ${step} failed for environment dev; environments/dev.azure.json was not changed`);
    if (step === 'validate') expect(calls.some((c) => c[2] === 'create')).toBe(false);
    expect(after).toBe(before);
  });
});

describe('npm run what-if', () => {
  it('previews the same template and parameters without deploying', () => {
    const { run, calls, before, after } = runAz('what-if');
    expect(run.status).toBe(0);
    const whatIf = calls.find((c) => c[2] === 'what-if')!;
    expect(whatIf).toEqual(expect.arrayContaining(['--template-file', 'bicep/main.bicep', '--parameters', 'bicep/env/dev.bicepparam']));
    expect(calls.some((c) => c[2] === 'create' || c[0] === 'group')).toBe(false);
    expect(after).toBe(before);
  });
});
