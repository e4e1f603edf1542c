import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentSchema } from '../charts/components';
import { azureOutputsSchema } from '../charts/lib/azure-outputs';
import { parseOrThrow } from '../charts/lib/validation';
import { environments } from '../environments';
import { Az, buildImage, deploy, RoundTripError, whatIf } from '../scripts/azure/round-trip';
import { databasePassword } from '../scripts/azure/secrets';
import { synthesize } from '../charts/synth';
import { copyRepository, find, root } from './helpers';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fakeAz: runFake } = require('./fake-az/fake.js') as { fakeAz: (args: string[], env: NodeJS.ProcessEnv) => { status: number; stdout: string; stderr: string } };

// The deploy and what-if commands run in this process against the fake az (test/fake-az),
// each case in a small directory of its own (bicep/ and the outputs files) with its own fake
// Azure state; one copy of the repository serves the cases that run the CLI and synth.
const TENANT = 'dc8117ac-2f36-4dcb-b19e-16cc2ba0e849';
const FAKE_AZ = join(root, 'test', 'fake-az');
const scratch = mkdtempSync(join(tmpdir(), 'lakehouse-az-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Case {
  readonly dir: string;
  readonly log: string;
  readonly state: string;
}

let caseCount = 0;
function newCase(): Case {
  const dir = join(scratch, `case-${++caseCount}`);
  cpSync(join(root, 'bicep'), join(dir, 'bicep'), { recursive: true });
  mkdirSync(join(dir, 'environments'));
  for (const env of ['dev', 'prod']) cpSync(join(root, 'environments', `${env}.azure.json`), join(dir, 'environments', `${env}.azure.json`));
  symlinkSync(join(root, 'images'), join(dir, 'images'));
  const log = join(dir, 'az-calls.jsonl');
  writeFileSync(log, '');
  return { dir, log, state: join(dir, 'azure-state.json') };
}

/** The fake az, called in this process (no process per call: the suite stays cheap on a busy machine). */
function fakeAz(c: Case, extra: Record<string, string>): Az {
  return (args, options = {}) => ({ ...runFake(args, { ...process.env, FAKE_AZ_LOG: c.log, FAKE_AZ_STATE: c.state, FAKE_AZ_TENANT: TENANT, ...extra, ...options.env }), missing: false });
}

const parsedEnv = (name: string) => parseOrThrow(environmentSchema, environments[name as keyof typeof environments], `environments/${name}.ts`);

function runAz(command: 'deploy' | 'what-if' | 'build-image', extra: Record<string, string> = {}, options: { c?: Case; env?: string; rotate?: boolean; image?: string } = {}) {
  const c = options.c ?? newCase();
  const envName = options.env ?? 'dev';
  const outputsFile = join(c.dir, 'environments', `${envName}.azure.json`);
  const before = readFileSync(outputsFile, 'utf8');
  const firstCall = readFileSync(c.log, 'utf8').split('\n').filter(Boolean).length;
  const logged: string[] = [];
  const props = { root: c.dir, env: parsedEnv(envName), az: fakeAz(c, extra), log: (l: string) => logged.push(l), rotateDatabasePassword: options.rotate };
  let error: string | undefined;
  try {
    if (command === 'deploy') deploy(props);
    else if (command === 'what-if') whatIf(props);
    else buildImage(props, options.image ?? '');
  } catch (e) {
    if (!(e instanceof RoundTripError)) throw e;
    error = e.message;
  }
  const calls = readFileSync(c.log, 'utf8').split('\n').filter(Boolean).slice(firstCall).map((l) => JSON.parse(l) as string[]);
  const variables = existsSync(`${c.log}.env`) ? readFileSync(`${c.log}.env`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const state = existsSync(c.state) ? JSON.parse(readFileSync(c.state, 'utf8')) : {};
  return { c, error, out: logged.join('\n'), calls, variables, state, before, after: readFileSync(outputsFile, 'utf8') };
}

const step = (call: string[]) => call.slice(0, 3).join(' ');
const flagOf = (call: string[], name: string) => call[call.indexOf(name) + 1];
const stackCall = (calls: string[][]) => calls.find((c) => c[0] === 'stack' && c[2] === 'create')!;
const lastStackVariables = (variables: any[]) => variables.filter((v) => v.args.join(' ') === 'stack group create').at(-1).variables;
const roleAssignments = (state: any) => Object.entries(state.resources).filter(([, r]: any) => r.type === 'Microsoft.Authorization/roleAssignments').map(([id, r]: any) => ({ id, ...r }));
// Every catalog consumer of the dev environment gets its pair of Key Vault secrets.
const CONSUMER_SECRETS = Object.keys((environments.dev as any).components.polaris.consumers).flatMap((c) => [`polaris-${c}-client-id`, `polaris-${c}-client-secret`]);
const ALL_SECRETS = ['polaris-db-password', 'polaris-db-server-password', 'polaris-root-client-id', 'polaris-root-client-secret', 'polaris-token-broker-key', 'trino-internal-shared-secret', ...CONSUMER_SECRETS].sort();

describe('npm run deploy, from the command line', () => {
  let repo: string;
  beforeAll(() => {
    repo = copyRepository();
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('creates the group, stores the secrets, deploys the stack, then writes the outputs file that synth reads', () => {
    const log = join(repo, 'az-calls.jsonl');
    writeFileSync(log, '');
    const run = spawnSync(process.execPath, ['scripts/azure.mjs', 'deploy', 'dev'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${FAKE_AZ}:${process.env.PATH}`, FAKE_AZ_LOG: log, FAKE_AZ_STATE: join(repo, 'azure-state.json'), FAKE_AZ_TENANT: TENANT },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
    expect(calls.map(step)).toEqual([
      'version --output json',
      'account show --output',
      'bicep version',
      'extension show --name',
      'aks show --subscription',
      'role assignment list',
      'group exists --subscription',
      'group create --subscription',
      'keyvault list-deleted --subscription',
      'deployment group create',
      'stack group validate',
      'stack group create',
      // Monitoring, once the stack made the workspace and Grafana: connect the cluster, import the dashboards.
      'aks show --subscription',
      'aks update --subscription',
      ...Array(7).fill('grafana dashboard create'),
    ]);
    const create = stackCall(calls);
    // Absolute paths: az runs from the repository root, but nothing depends on it.
    expect(flagOf(create, '--template-file')).toBe(join(repo, 'bicep', 'main.bicep'));
    expect(flagOf(create, '--parameters')).toBe(join(repo, 'bicep', 'env', 'dev.bicepparam'));
    expect(flagOf(create, '--subscription')).toBe('0c9b0e19-65a1-40a2-a651-5d7d5a241a1d');
    expect(flagOf(create, '--resource-group')).toBe('rg-lakehouse-dev');
    expect(flagOf(create, '--name')).toBe('aks-lakehouse-dev');

    const variables = readFileSync(`${log}.env`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(variables.map((v: any) => v.args.join(' '))).toEqual(['stack group validate', 'stack group create']);
    expect(variables[1].variables).toMatchObject({
      LAKEHOUSE_AKS_OIDC_ISSUER_URL: expect.stringMatching(/^https:\/\/westeurope\.oic\.prod-aks\.azure\.com\//),
      LAKEHOUSE_KUBELET_PRINCIPAL_ID: expect.stringMatching(/^[0-9a-f-]{36}$/),
      LAKEHOUSE_KUBELET_ACRPULL_EXISTS: 'false',
      LAKEHOUSE_KEY_VAULT_RECOVER: 'false',
      LAKEHOUSE_POSTGRES_DEPLOYED_STORAGE_GIB: '0',
    });

    const outputs = azureOutputsSchema.parse(JSON.parse(readFileSync(join(repo, 'environments', 'dev.azure.json'), 'utf8')));
    const ledger = JSON.parse(readFileSync(join(repo, 'bicep', 'env', 'dev.workloads.json'), 'utf8'));
    expect(Object.keys(outputs.identities).sort()).toEqual(ledger.identities.map((i: any) => i.name).sort());

    // THEN synth, reading that file, annotates the service accounts with the new client IDs
    // (in this process: the synth command's own entry point is tested in test/output.test.ts)
    const [synth] = synthesize({ environments: { dev: environments.dev }, readOutputs: () => outputs });
    expect(synth.errors).toEqual([]);
    expect(find(synth, 'ServiceAccount', 'azure-key-vault-reader', 'external-secrets').metadata.annotations['azure.workload.identity/client-id']).toBe(outputs.identities['external-secrets'].clientId);
  });

  it('fails clearly when az is not installed, writing nothing', () => {
    const before = readFileSync(join(repo, 'environments', 'prod.azure.json'), 'utf8');
    const run = spawnSync(process.execPath, ['scripts/azure.mjs', 'deploy', 'prod'], { cwd: repo, encoding: 'utf8', env: { ...process.env, PATH: '/usr/bin/does-not-exist' } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('deploy failed: the Azure CLI (az) is not on PATH');
    expect(readFileSync(join(repo, 'environments', 'prod.azure.json'), 'utf8')).toBe(before);
  });
});

describe('npm run deploy stops before changing anything', () => {
  it('when az is not logged in', () => {
    const { error, calls, before, after } = runAz('deploy', { FAKE_AZ_LOGGED_OUT: '1' });
    expect(error).toContain(`az is not logged in: run \`az login --tenant ${TENANT}\``);
    expect(calls.some((c) => c[0] === 'deployment' || c[0] === 'stack')).toBe(false);
    expect(after).toBe(before);
  });

  it('when az is logged in to another tenant', () => {
    const { error, after, before } = runAz('deploy', { FAKE_AZ_TENANT: '00000000-0000-4000-8000-000000000000' });
    expect(error).toContain('az is logged in to tenant 00000000-0000-4000-8000-000000000000, but environments/dev.ts azure.tenantId is');
    expect(after).toBe(before);
  });

  it.each([
    ['an old Bicep CLI', { FAKE_AZ_BICEP: '0.39.26' }, 'Bicep CLI 0.39.26 is older than 0.40.2, which the templates need: run `az bicep upgrade`'],
    ['no Bicep CLI', { FAKE_AZ_BICEP: 'missing' }, 'the Bicep CLI is not installed for az: run `az bicep install`'],
    ['a cluster without workload identity', { FAKE_AZ_AKS: 'no-oidc' }, 'AKS cluster aks-lakehouse-dev needs its OIDC issuer and workload identity: run `az aks update --resource-group rg-aks-dev --name aks-lakehouse-dev --enable-oidc-issuer --enable-workload-identity`'],
    ['a missing cluster', { FAKE_AZ_AKS: 'missing' }, 'cannot read AKS cluster rg-aks-dev/aks-lakehouse-dev (environments/dev.ts azure.aks)'],
  ])('with %s', (_, env, message) => {
    const { error, calls, before, after } = runAz('deploy', env);
    expect(error).toContain(message);
    expect(calls.some((c) => ['deployment', 'stack', 'group'].includes(c[0]))).toBe(false);
    expect(after).toBe(before);
  });

  it('when Azure cannot say whether a secret exists: only "not found" means missing', () => {
    const c = newCase();
    expect(runAz('deploy', {}, { c }).error).toBeUndefined();
    const { error, calls, state } = runAz('deploy', { FAKE_AZ_ARM_FORBIDDEN: '1' }, { c });
    expect(error).toContain('cannot tell whether Key Vault kv-lakehouse-dev-01 exists (az resource show: ERROR: (AuthorizationFailed)');
    expect(error).toContain('nothing was changed for environment dev');
    expect(calls.some((x) => x[0] === 'deployment' || x[0] === 'stack')).toBe(false);
    expect(state.secrets['polaris-db-password'].versions).toBe(1);
  });

  it.each(['validate', 'create'])('and leaves the outputs file untouched when the stack %s fails', (failing) => {
    const { error, calls, before, after } = runAz('deploy', { FAKE_AZ_FAIL: failing });
    expect(error).toContain(`az stack ${failing} failed for environment dev; environments/dev.azure.json was not changed`);
    if (failing === 'validate') expect(calls.some((c) => c[0] === 'stack' && c[2] === 'create')).toBe(false);
    expect(after).toBe(before);
  });
});

describe('secrets reach Key Vault on day one, through Azure Resource Manager', () => {
  it('first deploy: the vault and every secret in one deployment of secrets.bicep, from a private file, before the stack', () => {
    const { error, calls, variables, state } = runAz('deploy');
    expect(error).toBeUndefined();
    // The fake answers 403 to the vault's data plane, as a new vault does for the deployer.
    expect(calls.some((c) => c[0] === 'keyvault' && c[1] === 'secret')).toBe(false);
    const secrets = calls.find((c) => step(c) === 'deployment group create')!;
    expect(flagOf(secrets, '--template-file')).toMatch(/\/bicep\/secrets\.bicep$/);
    expect(flagOf(secrets, '--parameters')).toMatch(/^@\/.*\/parameters\.json$/);
    expect(existsSync(flagOf(secrets, '--parameters').slice(1))).toBe(false);
    expect(calls.indexOf(secrets)).toBeLessThan(calls.indexOf(stackCall(calls)));
    expect(Object.keys(state.secrets).sort()).toEqual(ALL_SECRETS);
    // The server got exactly the password the vault holds, and it was never on a command line.
    const password = lastStackVariables(variables).LAKEHOUSE_POSTGRES_ADMIN_PASSWORD;
    expect(password).toBe(state.secrets['polaris-db-password'].value);
    expect(state.server.password).toBe(password);
    expect(JSON.stringify(calls)).not.toContain(password);
  });

  it('second, unchanged deploy: no secret written, the server keeps its password, the stack changes nothing', () => {
    const c = newCase();
    const first = runAz('deploy', {}, { c });
    const second = runAz('deploy', {}, { c });
    expect(second.error).toBeUndefined();
    expect(second.calls.some((x) => step(x) === 'deployment group create')).toBe(false);
    expect(lastStackVariables(second.variables).LAKEHOUSE_POSTGRES_ADMIN_PASSWORD).toBe('');
    expect(second.state.server.password).toBe(first.state.server.password);
    expect(second.state.secrets).toEqual(first.state.secrets);
    expect(second.state.resources).toEqual(first.state.resources);
    expect(second.state.stacks['aks-lakehouse-dev'].lastRemoved).toEqual([]);
  });

  it('with --rotate-database-password: a new password into the vault first, then the same one to the server', () => {
    const c = newCase();
    runAz('deploy', {}, { c });
    const { error, calls, state, out } = runAz('deploy', {}, { c, rotate: true });
    expect(error).toBeUndefined();
    expect(calls.filter((x) => step(x) === 'deployment group create')).toHaveLength(1);
    expect(state.secrets['polaris-db-password'].versions).toBe(2);
    expect(state.secrets['polaris-root-client-id'].versions).toBe(1);
    expect(state.server.password).toBe(state.secrets['polaris-db-password'].value);
    expect(out).toContain('the PostgreSQL administrator has a new password');
  });

  it('after a first deploy that stopped once the secrets were stored: a new password, stored, then the server', () => {
    const c = newCase();
    const stopped = runAz('deploy', { FAKE_AZ_FAIL: 'create' }, { c });
    expect(stopped.error).toContain('az stack create failed');
    expect(stopped.state.server).toBeNull();
    const { error, state } = runAz('deploy', {}, { c });
    expect(error).toBeUndefined();
    expect(state.secrets['polaris-db-password'].versions).toBe(2);
    expect(state.server.password).toBe(state.secrets['polaris-db-password'].value);
  });

  it('recovers a soft-deleted vault of the same name (an environment rebuilt within the retention)', () => {
    const c = newCase();
    writeFileSync(c.state, JSON.stringify({ deletedVaults: ['kv-lakehouse-dev-01'] }));
    const { error, state } = runAz('deploy', {}, { c });
    expect(error).toBeUndefined();
    expect(state.deletedVaults).toEqual([]);
  });

  it("the catalog creator's roles are on its consumers' secrets, which exist before the stack assigns them", () => {
    const { error, state } = runAz('deploy');
    expect(error).toBeUndefined();
    const creator = roleAssignments(state).filter((a) => a.principal === 'polaris-catalog-creator');
    expect(creator.map((a) => a.scope.split('/').pop()).sort()).toEqual([...CONSUMER_SECRETS].sort());
    expect(creator.every((a) => a.role === 'Key Vault Secrets Officer' && /\/vaults\/kv-lakehouse-dev-01\/secrets\//.test(a.scope))).toBe(true);
  });

  it('draws a database password with all four character classes', () => {
    // 69 a6 9a is "aaaa" in base64: one class only; the second draw has all four.
    const draws = [Buffer.from('69a69a'.repeat(8), 'hex'), Buffer.from('Aa0-'.repeat(8), 'base64url')];
    expect(databasePassword(() => draws.shift()!)).toBe('Aa0-'.repeat(8));
    expect(draws).toEqual([]);
    for (let i = 0; i < 2000; i++) expect(databasePassword()).toMatch(/^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])(?=.*[-_])[A-Za-z0-9_-]{32}$/);
  });
});

describe('npm run deploy against what is already there', () => {
  it('leaves an existing resource group and its tags alone', () => {
    const { error, calls } = runAz('deploy', { FAKE_AZ_GROUP_EXISTS: 'true' });
    expect(error).toBeUndefined();
    expect(calls.some((c) => c[0] === 'group' && c[1] === 'create')).toBe(false);
  });

  it('never asks for a smaller disk than autogrow gave the server', () => {
    const c = newCase();
    runAz('deploy', {}, { c });
    const state = JSON.parse(readFileSync(c.state, 'utf8'));
    state.server.storageGiB = 64;
    writeFileSync(c.state, JSON.stringify(state));
    const { error, variables, state: after } = runAz('deploy', {}, { c });
    expect(error).toBeUndefined();
    expect(lastStackVariables(variables).LAKEHOUSE_POSTGRES_DEPLOYED_STORAGE_GIB).toBe('64');
    expect(after.server.storageGiB).toBe(64);
  });

  it('skips its own kubelet AcrPull when az aks update --attach-acr made one', () => {
    const { error, variables } = runAz('deploy', { FAKE_AZ_ATTACHED_ACR: '1' });
    expect(error).toBeUndefined();
    expect(lastStackVariables(variables).LAKEHOUSE_KUBELET_ACRPULL_EXISTS).toBe('true');
  });

  it('accepts a newer Bicep CLI', () => {
    expect(runAz('what-if', { FAKE_AZ_BICEP: '0.41.2' }).error).toBeUndefined();
    expect(runAz('what-if', { FAKE_AZ_BICEP: '1.0.0' }).error).toBeUndefined();
  });

  it('the fake refuses an output the template declares but the fake does not produce (it follows the template)', () => {
    const c = newCase();
    const main = join(c.dir, 'bicep', 'main.bicep');
    writeFileSync(main, `${readFileSync(main, 'utf8')}\n@description('x')\noutput extra string = 'x'\n`);
    expect(runAz('deploy', {}, { c }).error).toContain('fake az: the template declares output extra');
  });
});

describe('the deployed set equals the ledger (a deployment stack)', () => {
  function dropGrant(c: Case) {
    const file = join(c.dir, 'bicep', 'env', 'dev.workloads.json');
    const ledger = JSON.parse(readFileSync(file, 'utf8'));
    const identity = ledger.identities.find((i: any) => i.name === 'flink-orders');
    identity.storage = [];
    writeFileSync(file, JSON.stringify(ledger));
  }
  const flinkOrdersGrant = (state: any) => roleAssignments(state).filter((a) => a.principal === 'flink-orders');

  it('deploys with az stack group create: unmanaged resources deleted, deny settings where delete locks are on', () => {
    const dev = stackCall(runAz('deploy').calls);
    expect(flagOf(dev, '--action-on-unmanage')).toBe('deleteResources');
    expect(flagOf(dev, '--deny-settings-mode')).toBe('none');
    expect(dev).toContain('--yes');
    expect(flagOf(stackCall(runAz('deploy', {}, { env: 'prod' }).calls), '--deny-settings-mode')).toBe('denyDelete');
  });

  it('a grant dropped from the ledger: what-if shows its removal, and the next deploy deletes the role assignment', () => {
    const c = newCase();
    const first = runAz('deploy', {}, { c });
    const grants = flinkOrdersGrant(first.state);
    const containers = JSON.parse(readFileSync(join(c.dir, 'bicep', 'env', 'dev.workloads.json'), 'utf8')).identities.find((i: any) => i.name === 'flink-orders').storage.map((g: any) => g.container);
    expect(grants.map((g) => g.scope.split('/containers/')[1]).sort()).toEqual([...containers].sort());
    dropGrant(c);
    const preview = runAz('what-if', {}, { c });
    expect(preview.error).toBeUndefined();
    const whatIfCall = preview.calls.find((x) => x[0] === 'stack-whatif')!;
    expect(flagOf(whatIfCall, '--stack-id')).toBe('/subscriptions/0c9b0e19-65a1-40a2-a651-5d7d5a241a1d/resourceGroups/rg-lakehouse-dev/providers/Microsoft.Resources/deploymentStacks/aks-lakehouse-dev');
    expect(flagOf(whatIfCall, '--action-on-unmanage')).toBe('deleteResources');
    expect(whatIfCall.filter((a) => a === '--name')).toHaveLength(1);
    expect(flagOf(whatIfCall, '--name')).toBe('aks-lakehouse-dev-what-if');
    expect(preview.calls.some((x) => x[0] === 'stack' || step(x) === 'deployment group create')).toBe(false);
    const after = runAz('deploy', {}, { c });
    expect(after.error).toBeUndefined();
    expect(flinkOrdersGrant(after.state)).toEqual([]);
    expect([...after.state.stacks['aks-lakehouse-dev'].lastRemoved].sort()).toEqual(grants.map((g) => g.id).sort());
  });

  it('a firewall rule is named by the address it admits: a replaced address takes its rule with it', () => {
    const c = newCase();
    const rules = (state: any) => Object.keys(state.resources).filter((id) => id.includes('/firewallRules/')).map((id) => id.split('/').pop());
    expect(rules(runAz('deploy', {}, { c }).state)).toEqual(['aks-egress-198-51-100-20']);
    const params = join(c.dir, 'bicep', 'env', 'dev.bicepparam');
    writeFileSync(params, readFileSync(params, 'utf8').replace("'198.51.100.20'", "'198.51.100.30'"));
    expect(rules(runAz('deploy', {}, { c }).state)).toEqual(['aks-egress-198-51-100-30']);
  });
});

describe('npm run what-if', () => {
  it('on a new environment: says what the first deploy creates, since Azure previews only into an existing group', () => {
    const { error, calls, out, before, after } = runAz('what-if');
    expect(error).toBeUndefined();
    expect(calls.some((c) => ['deployment', 'stack', 'stack-whatif'].includes(c[0]) || step(c) === 'group create --subscription')).toBe(false);
    expect(out).toContain('resource group rg-lakehouse-dev does not exist yet');
    expect(out).toMatch(/\+ Key Vault kv-lakehouse-dev-01 with polaris-db-password, .*trino-internal-shared-secret/);
    expect(out).toMatch(/\+ \d+ workload identities, \d+ federated credentials, \d+ role assignments/);
    expect(after).toBe(before);
  });

  it('the fake refuses a what-if into a group that does not exist, as Azure does', () => {
    const c = newCase();
    const r = fakeAz(c, { LAKEHOUSE_AKS_OIDC_ISSUER_URL: 'https://x/', LAKEHOUSE_KUBELET_PRINCIPAL_ID: 'k' })(['deployment', 'group', 'what-if', '--resource-group', 'rg-lakehouse-dev', '--template-file', join(c.dir, 'bicep', 'main.bicep'), '--parameters', join(c.dir, 'bicep', 'env', 'dev.bicepparam')]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('(ResourceGroupNotFound)');
  });

  it('on a deployed environment: a stack what-if of the same template and parameters, naming the secrets it would store', () => {
    const c = newCase();
    runAz('deploy', {}, { c });
    const state = JSON.parse(readFileSync(c.state, 'utf8'));
    delete state.secrets['trino-internal-shared-secret'];
    writeFileSync(c.state, JSON.stringify(state));
    const { error, calls, out } = runAz('what-if', {}, { c });
    expect(error).toBeUndefined();
    const preview = calls.find((x) => x[0] === 'stack-whatif')!;
    expect(preview).toEqual(expect.arrayContaining(['--template-file', join(c.dir, 'bicep', 'main.bicep'), '--parameters', join(c.dir, 'bicep', 'env', 'dev.bicepparam'), '--retention-interval']));
    expect(out).toContain('deploy would first store trino-internal-shared-secret in Key Vault kv-lakehouse-dev-01');
    expect(calls.some((x) => ['deployment', 'stack'].includes(x[0]))).toBe(false);
  });
});

describe('npm run build-image', () => {
  it('builds images/kafka-connect in the registry with az acr build, tagged as the environment names it', () => {
    const { c, error, calls } = runAz('build-image', {}, { image: 'kafka-connect' });
    expect(error).toBeUndefined();
    const build = calls.find((x) => x[0] === 'acr' && x[1] === 'build')!;
    expect(flagOf(build, '--registry')).toBe('crlakehousedev01');
    expect(flagOf(build, '--image')).toBe('kafka-connect/iceberg:1.2.0-kafka-4.3.1-iceberg-1.10.1');
    expect(flagOf(build, '--file')).toBe(join(c.dir, 'images', 'kafka-connect', 'Dockerfile'));
    expect(build.at(-1)).toBe(join(c.dir, 'images', 'kafka-connect'));
    expect(calls.some((x) => x[0] === 'deployment' || x[0] === 'stack')).toBe(false);
  });

  it('refuses an image the repository does not build', () => {
    expect(runAz('build-image', {}, { image: 'spark' }).error).toContain('no image spark; the repository builds kafka-connect');
  });
});

describe('npm run deploy connects monitoring after the stack', () => {
  const monitoringCalls = (calls: string[][]) => calls.filter((c) => (c[0] === 'aks' && c.includes('azureMonitorProfile.metrics.enabled')) || (c[0] === 'aks' && c[1] === 'update') || c[0] === 'grafana');

  it('first deploy: the stack makes the workspace and Grafana, then the cluster is connected once and every dashboard imported; the second deploy connects nothing', () => {
    const first = runAz('deploy');
    expect(first.error).toBeUndefined();
    const workspace = Object.keys(first.state.resources).find((id) => id.endsWith('/Microsoft.Monitor/accounts/amw-lakehouse-dev'))!;
    expect(workspace).toBeDefined();
    expect(first.state.clusterMetrics).toEqual({ 'aks-lakehouse-dev': workspace });
    const dashboards = Object.values(first.state.dashboards as Record<string, Record<string, string>>)[0];
    const generated = JSON.parse(readFileSync(join(root, 'bicep', 'env', 'dev.monitoring.json'), 'utf8')).dashboards;
    expect(Object.keys(dashboards).sort()).toEqual(Object.keys(generated).sort());

    const second = runAz('deploy', {}, { c: first.c });
    expect(second.error).toBeUndefined();
    expect(monitoringCalls(second.calls).filter((c) => c[1] === 'update')).toEqual([]);
    expect(second.out).toContain('already sends metrics to Azure Monitor');
    expect(second.state.dashboards).toEqual(first.state.dashboards);
  });

  it('what-if on a deployed environment says what monitoring would do, changing nothing', () => {
    const c = runAz('deploy').c;
    const preview = runAz('what-if', {}, { c });
    expect(preview.error).toBeUndefined();
    expect(preview.out).toMatch(/monitoring: aks-lakehouse-dev already sends metrics to Azure Monitor\nmonitoring: deploy would import 7 dashboards into amg-lakehousedev/);
    expect(preview.calls.filter((call) => call[0] === 'grafana' || call[1] === 'update')).toEqual([]);
  });

  it('stops before changing anything when the az extension amg (az grafana) is missing', () => {
    const { error, calls, before, after } = runAz('deploy', { FAKE_AZ_NO_AMG: '1' });
    expect(error).toBe('environments/dev.ts has monitoring, whose dashboards are imported with `az grafana`: run `az extension add --name amg`, then retry');
    expect(calls.some((c) => ['group', 'deployment', 'stack'].includes(c[0]) && c.includes('create'))).toBe(false);
    expect(after).toBe(before);
  });

  it('a deployer without a Grafana role: the stack and its outputs are kept, and the error says which group to join', () => {
    const { error, calls, state, before, after } = runAz('deploy', { FAKE_AZ_GRAFANA_FORBIDDEN: '1' });
    expect(error).toMatch(/^az grafana dashboard create lakehouse-dev-\S+ failed: ERROR: \(403\) Forbidden/);
    expect(error).toContain('add it to a group of monitoring.grafanaAdmins in environments/dev.ts');
    expect(calls.some((c) => c[0] === 'stack' && c[2] === 'create')).toBe(true);
    expect(state.clusterMetrics['aks-lakehouse-dev']).toBeDefined();
    // The outputs file holds the deployed outputs: it was written before the monitoring step.
    expect(JSON.parse(after)).toEqual(JSON.parse(before));
  });
});
