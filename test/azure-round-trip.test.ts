import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { azureOutputsSchema } from '../charts/lib/azure-outputs';
import { copyRepository, parseYaml, root } from './helpers';

const TENANT = 'dc8117ac-2f36-4dcb-b19e-16cc2ba0e849';
const copies: string[] = [];
afterAll(() => copies.forEach((c) => rmSync(c, { recursive: true, force: true })));

function runAz(command: 'deploy' | 'what-if' | 'build-image', env: Record<string, string> = {}, path = `${join(root, 'test', 'fake-az')}:${process.env.PATH}`, extraArgs: string[] = []) {
  const copy = copyRepository();
  copies.push(copy);
  const log = join(copy, 'az-calls.jsonl');
  writeFileSync(log, '');
  const before = readFileSync(join(copy, 'environments', 'dev.azure.json'), 'utf8');
  const run = spawnSync(process.execPath, ['scripts/azure.mjs', command, 'dev', ...extraArgs], {
    cwd: copy,
    encoding: 'utf8',
    env: { ...process.env, PATH: path, FAKE_AZ_LOG: log, FAKE_AZ_TENANT: TENANT, ...env },
  });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
  const variables = existsSync(`${log}.env`) ? readFileSync(`${log}.env`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const after = readFileSync(join(copy, 'environments', 'dev.azure.json'), 'utf8');
  return { copy, run, calls, variables, before, after };
}

describe('npm run deploy', () => {
  it('checks tools and cluster, creates a missing group, validates, creates, then writes the outputs file that synth reads', () => {
    const { copy, run, calls, variables, after } = runAz('deploy');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const steps = calls.map((c) => c.slice(0, 3).join(' ')).filter((s) => !s.startsWith('keyvault'));
    expect(steps).toEqual([
      'version --output json',
      'account show --output',
      'bicep version',
      'aks show --subscription',
      'role assignment list',
      'group exists --subscription',
      'group create --subscription',
      'deployment group validate',
      'deployment group create',
    ]);
    const create = calls.find((c) => c[2] === 'create' && c[0] === 'deployment')!;
    const flag = (name: string) => create[create.indexOf(name) + 1];
    // Absolute paths: az runs from the repository root, but nothing depends on it.
    expect(flag('--template-file')).toBe(join(copy, 'bicep', 'main.bicep'));
    expect(flag('--parameters')).toBe(join(copy, 'bicep', 'env', 'dev.bicepparam'));
    expect(flag('--subscription')).toBe('0c9b0e19-65a1-40a2-a651-5d7d5a241a1d');
    expect(flag('--resource-group')).toBe('rg-lakehouse-dev');

    // The cluster values reach the .bicepparam as environment variables of the deployment calls.
    expect(variables.map((v: any) => v.args.join(' '))).toEqual(['deployment group validate', 'deployment group create']);
    expect(variables[1].variables).toMatchObject({
      LAKEHOUSE_AKS_OIDC_ISSUER_URL: expect.stringMatching(/^https:\/\/westeurope\.oic\.prod-aks\.azure\.com\//),
      LAKEHOUSE_KUBELET_PRINCIPAL_ID: expect.stringMatching(/^[0-9a-f-]{36}$/),
      LAKEHOUSE_KUBELET_ACRPULL_EXISTS: 'false',
    });

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

describe('secrets the deploy command generates', () => {
  const secretSets = (calls: string[][]) => calls.filter((c) => c[0] === 'keyvault' && c[2] === 'set').map((c) => c[c.indexOf('--name') + 1]);
  const all = 'polaris-db-password,polaris-root-client-id,polaris-root-client-secret,polaris-token-broker-key,trino-internal-shared-secret';

  it('on the first deploy: a database password for Bicep, then every Polaris secret into Key Vault, from files', () => {
    const { run, calls, variables } = runAz('deploy');
    expect(run.status).toBe(0);
    expect(variables.at(-1).variables.LAKEHOUSE_POSTGRES_ADMIN_PASSWORD).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(secretSets(calls).sort()).toEqual(all.split(','));
    const firstSet = calls.findIndex((c) => c[0] === 'keyvault' && c[2] === 'set');
    expect(firstSet).toBeGreaterThan(calls.findIndex((c) => c[2] === 'create' && c[0] === 'deployment'));
    for (const c of calls.filter((x) => x[2] === 'set')) expect(c).toContain('--file');
    expect(JSON.stringify(calls)).not.toContain(variables.at(-1).variables.LAKEHOUSE_POSTGRES_ADMIN_PASSWORD);
  });

  it('on later deploys: nothing new, and the server keeps its password', () => {
    const { run, calls, variables } = runAz('deploy', { FAKE_AZ_KV_SECRETS: all });
    expect(run.status).toBe(0);
    expect(variables.at(-1).variables.LAKEHOUSE_POSTGRES_ADMIN_PASSWORD).toBe('');
    expect(secretSets(calls)).toEqual([]);
  });

  it('with --rotate-database-password: a new password for the server and the vault, nothing else', () => {
    const { run, calls, variables } = runAz('deploy', { FAKE_AZ_KV_SECRETS: all }, undefined, ['--rotate-database-password']);
    expect(run.status).toBe(0);
    expect(variables.at(-1).variables.LAKEHOUSE_POSTGRES_ADMIN_PASSWORD).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(secretSets(calls)).toEqual(['polaris-db-password']);
    expect(run.stdout).toContain('kubectl -n polaris rollout restart deployment/polaris');
  });
});

describe('npm run deploy against what is already there', () => {
  it('leaves an existing resource group and its tags alone', () => {
    const { run, calls } = runAz('deploy', { FAKE_AZ_GROUP_EXISTS: 'true' });
    expect(run.status).toBe(0);
    expect(calls.some((c) => c[0] === 'group' && c[1] === 'create')).toBe(false);
  });

  it('skips its own kubelet AcrPull when az aks update --attach-acr made one', () => {
    const { run, variables } = runAz('deploy', { FAKE_AZ_ATTACHED_ACR: '1' });
    expect(run.status).toBe(0);
    expect(variables.at(-1).variables.LAKEHOUSE_KUBELET_ACRPULL_EXISTS).toBe('true');
  });

  it.each([
    ['an old Bicep CLI', { FAKE_AZ_BICEP: '0.39.26' }, 'Bicep CLI 0.39.26 is older than 0.40.2, which the templates need: run `az bicep upgrade`'],
    ['no Bicep CLI', { FAKE_AZ_BICEP: 'missing' }, 'the Bicep CLI is not installed for az: run `az bicep install`'],
    ['a cluster without workload identity', { FAKE_AZ_AKS: 'no-oidc' }, 'AKS cluster aks-lakehouse-dev needs its OIDC issuer and workload identity: run `az aks update --resource-group rg-aks-dev --name aks-lakehouse-dev --enable-oidc-issuer --enable-workload-identity`'],
    ['a missing cluster', { FAKE_AZ_AKS: 'missing' }, 'cannot read AKS cluster rg-aks-dev/aks-lakehouse-dev (environments/dev.ts azure.aks)'],
  ])('stops before deploying with %s', (_, env, message) => {
    const { run, calls, before, after } = runAz('deploy', env);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(message);
    expect(calls.some((c) => c[0] === 'deployment' || c[0] === 'group')).toBe(false);
    expect(after).toBe(before);
  });

  it('accepts a newer Bicep CLI', () => {
    expect(runAz('deploy', { FAKE_AZ_BICEP: '0.41.2' }).run.status).toBe(0);
    expect(runAz('deploy', { FAKE_AZ_BICEP: '1.0.0' }).run.status).toBe(0);
  });

  it('the fake refuses an output the template declares but the fake does not produce (it follows the template)', () => {
    const { copy } = runAz('what-if');
    const main = join(copy, 'bicep', 'main.bicep');
    writeFileSync(main, `${readFileSync(main, 'utf8')}\n@description('x')\noutput extra string = 'x'\n`);
    const run = spawnSync(process.execPath, ['scripts/azure.mjs', 'deploy', 'dev'], {
      cwd: copy,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${join(root, 'test', 'fake-az')}:${process.env.PATH}`, FAKE_AZ_TENANT: TENANT },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('fake az: the template declares output extra');
  });
});

describe('npm run build-image', () => {
  it('builds images/kafka-connect in the registry with az acr build, tagged as the environment names it', () => {
    const { copy, run, calls } = runAz('build-image', {}, undefined, ['kafka-connect']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const build = calls.find((c) => c[0] === 'acr' && c[1] === 'build')!;
    const flag = (name: string) => build[build.indexOf(name) + 1];
    expect(flag('--registry')).toBe('crlakehousedev01');
    expect(flag('--image')).toBe('kafka-connect/iceberg:1.2.0-kafka-4.3.1-iceberg-1.10.1');
    expect(flag('--file')).toBe(join(copy, 'images', 'kafka-connect', 'Dockerfile'));
    expect(build.at(-1)).toBe(join(copy, 'images', 'kafka-connect'));
    expect(calls.some((c) => c[0] === 'deployment')).toBe(false);
  });

  it('refuses an image the repository does not build', () => {
    const { run } = runAz('build-image', {}, undefined, ['spark']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no image spark; the repository builds kafka-connect');
  });
});

describe('npm run what-if', () => {
  it('previews the same template and parameters without deploying', () => {
    const { run, calls, before, after } = runAz('what-if');
    expect(run.status).toBe(0);
    const whatIf = calls.find((c) => c[2] === 'what-if')!;
    expect(whatIf).toEqual(expect.arrayContaining(['--template-file', expect.stringMatching(/\/bicep\/main\.bicep$/), '--parameters', expect.stringMatching(/\/bicep\/env\/dev\.bicepparam$/)]));
    expect(calls.some((c) => c[2] === 'create' || c[0] === 'group')).toBe(false);
    expect(after).toBe(before);
  });
});
