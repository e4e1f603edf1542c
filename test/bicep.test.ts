import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKLOAD_IDENTITY } from '../charts/lib/identity';
import { keyVaultRoles, storageAccountRoles, storageDataRoles } from '../charts/lib/roles';
import { envNames, root, synthOne } from './helpers';

const bicepDir = join(root, 'bicep');
const read = (path: string) => readFileSync(join(bicepDir, path), 'utf8');
const bicepFiles = ['main.bicep', 'secrets.bicep', 'types.bicep', ...readdirSync(join(bicepDir, 'modules')).map((f) => `modules/${f}`)];
/** Bicep without `//` comments (not `://` inside strings), for checks that must not be fooled by prose. */
const code = (path: string) => read(path).replace(/(^|\s)\/\/.*$/gm, '$1');

/** The `param` declarations of a Bicep file: name -> has a default. */
function declaredParams(text: string): Map<string, boolean> {
  const params = new Map<string, boolean>();
  for (const m of text.matchAll(/^param (\w+) [^=\n]+?( =.*)?$/gm)) params.set(m[1], m[2] !== undefined);
  return params;
}

/** The body of a resource declaration, up to its closing brace at column 0. */
function resourceBody(text: string, symbol: string): string {
  const start = text.search(new RegExp(`^resource ${symbol} `, 'm'));
  if (start < 0) throw new Error(`no resource ${symbol}`);
  const end = text.indexOf('\n}', start);
  return text.slice(start, end);
}

describe('Bicep agrees with the TypeScript model', () => {
  it('carries the same built-in role GUIDs as charts/lib/roles.ts', () => {
    const table = /var builtInRoles = \{([\s\S]*?)\n\}/.exec(code('types.bicep'))![1];
    const bicepRoles = Object.fromEntries([...table.matchAll(/^\s*'?([\w ]+?)'?: '([0-9a-f-]{36})'/gm)].map((m) => [m[1], m[2]]));
    for (const [name, { id }] of Object.entries({ ...storageDataRoles, ...storageAccountRoles, ...keyVaultRoles })) {
      expect(bicepRoles[name], name).toBe(id);
    }
  });

  it('federates with the token audience the workload identity webhook uses', () => {
    expect(code('types.bicep')).toContain(`var workloadIdentityAudience = '${WORKLOAD_IDENTITY.audience}'`);
  });

  it('declares the ledger identity fields the synth writes', () => {
    const body = /type identityType = \{([\s\S]*?)\n\}/.exec(code('types.bicep'))![1];
    const fields = [...body.matchAll(/^\s*(\w+):/gm)].map((m) => m[1]).sort();
    const ledgerFields = Object.keys(synthOne('dev').ledger!.identities[0]).sort();
    expect(fields).toEqual(ledgerFields);
  });

  it.each(envNames)('hard-codes nothing of the %s ledger: identities, namespaces, service accounts and containers come from the loop', (name) => {
    const ledger = synthOne(name).ledger!;
    const literals = new Set([
      ...ledger.containers,
      ...ledger.identities.flatMap((i) => [i.name, ...i.subjects.flatMap((s) => [s.namespace, s.serviceAccount])]),
    ]);
    for (const file of bicepFiles) {
      const strings = [...code(file).matchAll(/'([^'$]*)'/g)].map((m) => m[1]);
      expect(strings.filter((s) => literals.has(s)), file).toEqual([]);
    }
  });

  it.each(envNames)('the generated %s.bicepparam sets every required main.bicep parameter and nothing else', (name) => {
    const main = declaredParams(read('main.bicep'));
    const set = [...synthOne(name).bicepParams!.matchAll(/^param (\w+) =/gm)].map((m) => m[1]);
    expect(set.filter((p) => !main.has(p))).toEqual([]);
    expect([...main].filter(([p, hasDefault]) => !hasDefault && !set.includes(p)).map(([p]) => p)).toEqual([]);
    expect(synthOne(name).bicepParams).toMatch(new RegExp(`^using '../main.bicep'$`, 'm'));
    expect(synthOne(name).bicepParams).toContain(`param identities = loadJsonContent('${name}.workloads.json', '$.identities')`);
  });
});

describe('Bicep follows the platform rules', () => {
  it('documents every parameter and output', () => {
    for (const file of bicepFiles) {
      const lines = read(file).split('\n');
      lines.forEach((line, i) => {
        if (!/^(param|output) /.test(line)) return;
        const decorators = lines.slice(Math.max(0, i - 4), i).join('\n');
        expect(decorators, `${file}:${i + 1} ${line}`).toMatch(/@description\('/);
      });
    }
  });

  it('keeps the lake keyless and closed', () => {
    const storage = resourceBody(code('modules/storage.bicep'), 'storageAccount');
    expect(storage).toMatch(/allowSharedKeyAccess: false/);
    expect(storage).toMatch(/defaultToOAuthAuthentication: true/);
    expect(storage).toMatch(/isHnsEnabled: true/);
    expect(storage).toMatch(/minimumTlsVersion: 'TLS1_2'/);
    expect(storage).toMatch(/supportsHttpsTrafficOnly: true/);
    expect(storage).toMatch(/allowBlobPublicAccess: false/);
    expect(storage).toMatch(/defaultAction: 'Deny'/);
  });

  it('protects the vault: RBAC, soft delete, purge protection', () => {
    const vault = resourceBody(code('modules/key-vault.bicep'), 'vault');
    expect(vault).toMatch(/enableRbacAuthorization: true/);
    expect(vault).toMatch(/enableSoftDelete: true/);
    expect(vault).toMatch(/enablePurgeProtection: true/);
  });

  it('writes federated credentials one at a time, from the cluster issuer', () => {
    const identity = code('modules/workload-identity.bicep');
    expect(identity).toMatch(/@batchSize\(1\)\nresource federatedCredentials /);
    expect(resourceBody(identity, 'federatedCredentials')).toMatch(/subject: 'system:serviceaccount:\$\{subject.namespace\}:\$\{subject.serviceAccount\}'/);
    expect(code('main.bicep')).toMatch(/issuerUrl: aksOidcIssuerUrl/);
    expect(identity).toMatch(/@maxLength\(20\)\nparam subjects /);
  });

  it('names role assignments guid(scope, principal, role), for service principals, with a reason', () => {
    for (const file of bicepFiles) {
      const text = code(file);
      for (const m of text.matchAll(/^resource (\w+) 'Microsoft\.Authorization\/roleAssignments@[^']+'/gm)) {
        const body = resourceBody(text, m[1]);
        // Seeded with the principal: a recreated identity gets a new name, never
        // RoleAssignmentUpdateNotPermitted on the old one.
        expect(body, `${file} ${m[1]}`).toMatch(/name: guid\(\w+(\[i\])?\.id, (principalId|kubeletPrincipalId), builtInRoles/);
        // Workloads are service principals; people get Grafana Admin only through Entra ID groups.
        expect(body, `${file} ${m[1]}`).toMatch(m[1] === 'administersGrafana' ? /principalType: 'Group'/ : /principalType: 'ServicePrincipal'/);
        expect(body, `${file} ${m[1]}`).toMatch(/description: '/);
      }
    }
  });

  it('scopes data roles to containers and account roles to the account only', () => {
    const identity = code('modules/identity-roles.bicep');
    expect(resourceBody(identity, 'containerRoleAssignments')).toMatch(/scope: grantedContainers\[i\]/);
    expect(resourceBody(identity, 'accountRoleAssignments')).toMatch(/scope: storageAccount\n/);
    expect(resourceBody(identity, 'keyVaultRoleAssignments')).toMatch(/scope: keyVault\n/);
  });
});

describe('network exposure follows the environment', () => {
  it.each(['modules/storage.bicep', 'modules/key-vault.bicep', 'modules/container-registry.bicep'])('%s takes publicNetworkAccess from the network parameter', (file) => {
    expect(code(file)).toMatch(/publicNetworkAccess: network\.publicNetworkAccess/);
  });

  it('prod disables public access and gives a private endpoint subnet', () => {
    const params = synthOne('prod').bicepParams!;
    expect(params).toMatch(/publicNetworkAccess: 'Disabled'/);
    expect(params).toMatch(/privateEndpointSubnetId: '\/subscriptions\//);
    expect(params).toMatch(/virtualNetworkId: '\/subscriptions\/[^']+\/virtualNetworks\/vnet-prod'/);
  });

  it('dev reaches storage and Key Vault from the AKS node subnet', () => {
    const params = synthOne('dev').bicepParams!;
    expect(params).toMatch(/aksSubnetIds: \[\n\s+'\/subscriptions\/[^']+\/subnets\/snet-aks-nodes'/);
    expect(params).toMatch(/privateEndpointSubnetId: ''/);
  });
});

describe('bicepconfig.json', () => {
  const rules = JSON.parse(read('bicepconfig.json')).analyzers.core.rules;

  it('makes unused, insecure and untyped code errors', () => {
    for (const rule of ['no-unused-params', 'no-unused-vars', 'no-unused-types', 'no-explicit-any', 'secure-parameter-default', 'outputs-should-not-contain-secrets', 'no-hardcoded-env-urls', 'no-hardcoded-location']) {
      expect(rules[rule]?.level, rule).toBe('error');
    }
  });

  // `use-user-defined-types` stays a warning: array parameters are untyped on purpose (pycep-parser and checkov; see README).
  it('warns on untyped parameters and old API versions', () => {
    expect(rules['use-user-defined-types'].level).toBe('warning');
    expect(rules['use-recent-api-versions'].level).toBe('warning');
  });
});

describe('private endpoints', () => {
  it.each([
    ['modules/storage.bicep', ['blobEndpoint', 'dfsEndpoint']],
    ['modules/key-vault.bicep', ['vaultEndpoint']],
    ['modules/container-registry.bicep', ['registryEndpoint']],
  ])('%s creates them whenever a subnet is given', (file, modules) => {
    const text = code(file);
    for (const m of modules) expect(text).toMatch(new RegExp(`^module ${m} 'private-endpoint.bicep' = if \\((privateEndpoints|premium|(createPrivateEndpoint && )?!empty\\(network.privateEndpointSubnetId\\))\\)`, 'm'));
    for (const flag of ['privateEndpoints', 'premium']) {
      if (new RegExp(`if \\(${flag}\\)`).test(text)) expect(text).toMatch(new RegExp(`var ${flag} = !empty\\(network\\.privateEndpointSubnetId\\)`));
    }
  });
});
