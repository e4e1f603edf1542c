import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bicepString } from '../charts/lib/bicep-params';
import { CREDENTIAL_NAME, credentialNames } from '../charts/lib/ledger';
import { ipRuleProblem } from '../charts/lib/network';
import { envNames, errorsOf, root, synthOne, synthVariant } from './helpers';

// Rules a first or second real deployment would hit, pinned over the Bicep text and the
// generated parameters (there is no Bicep compiler here; scripts/check_bicep_types.py checks
// types and properties against the Azure type index).
const bicepDir = join(root, 'bicep');
const read = (path: string) => readFileSync(join(bicepDir, path), 'utf8');
const code = (path: string) => read(path).replace(/(^|\s)\/\/.*$/gm, '$1');
const bicepFiles = ['main.bicep', 'secrets.bicep', ...readdirSync(join(bicepDir, 'modules')).map((f) => `modules/${f}`)];

function block(text: string, header: RegExp): string {
  const start = text.search(header);
  if (start < 0) throw new Error(`no ${header}`);
  return text.slice(start, text.indexOf('\n}', start));
}

describe('private endpoints resolve privately', () => {
  it('every private endpoint registers in its privatelink zone through a zone group', () => {
    const pe = code('modules/private-endpoint.bicep');
    const group = block(pe, /^resource zoneGroup /m);
    expect(group).toMatch(/'Microsoft\.Network\/privateEndpoints\/privateDnsZoneGroups@/);
    expect(group).toMatch(/parent: privateEndpoint/);
    expect(group).toMatch(/privateDnsZoneId: privateDnsZoneId/);
  });

  it('each endpoint gets the zone of its sub-resource', () => {
    // Azure Private Endpoint DNS zone values: blob, dfs, vault, registry.
    const main = code('main.bicep');
    expect(main).toMatch(/blob: 'privatelink\.blob\.\$\{environment\(\)\.suffixes\.storage\}'/);
    expect(main).toMatch(/dfs: 'privatelink\.dfs\.\$\{environment\(\)\.suffixes\.storage\}'/);
    // Derived from the cloud's Key Vault suffix: .vault.azure.net -> privatelink.vaultcore.azure.net.
    expect(main).toMatch(/vault: 'privatelink\$\{replace\(environment\(\)\.suffixes\.keyvaultDns, '\.vault\.', '\.vaultcore\.'\)\}'/);
    expect(main).toMatch(/registry: 'privatelink\$\{environment\(\)\.suffixes\.acrLoginServer\}'/);
    expect(main).toMatch(/blobDnsZoneId: '\$\{dnsZonePrefix\}\$\{dnsZoneNames\.blob\}'/);
    expect(main).toMatch(/dfsDnsZoneId: '\$\{dnsZonePrefix\}\$\{dnsZoneNames\.dfs\}'/);
    expect(main).toMatch(/dnsZoneId: '\$\{dnsZonePrefix\}\$\{dnsZoneNames\.vault\}'/);
    expect(main).toMatch(/dnsZoneId: '\$\{dnsZonePrefix\}\$\{dnsZoneNames\.registry\}'/);
    const storage = code('modules/storage.bicep');
    expect(block(storage, /^module blobEndpoint /m)).toMatch(/groupId: 'blob'\n\s+privateDnsZoneId: blobDnsZoneId/);
    expect(block(storage, /^module dfsEndpoint /m)).toMatch(/groupId: 'dfs'\n\s+privateDnsZoneId: dfsDnsZoneId/);
    expect(block(code('modules/key-vault.bicep'), /^module vaultEndpoint /m)).toMatch(/groupId: 'vault'\n\s+privateDnsZoneId: dnsZoneId/);
    expect(block(code('modules/container-registry.bicep'), /^module registryEndpoint /m)).toMatch(/groupId: 'registry'\n\s+privateDnsZoneId: dnsZoneId/);
  });

  it('creates the zones, linked to the endpoints network, unless existing ones are named', () => {
    const main = code('main.bicep');
    expect(main).toMatch(/var createDnsZones = privateEndpoints && empty\(network\.privateDnsZoneResourceGroupId\)/);
    expect(main).toMatch(/module dnsZones 'modules\/private-dns-zones\.bicep' = if \(createDnsZones\)/);
    const zones = code('modules/private-dns-zones.bicep');
    expect(block(zones, /^resource links /m)).toMatch(/virtualNetwork: \{\n\s+id: virtualNetworkId/);
    expect(block(zones, /^resource links /m)).toMatch(/registrationEnabled: false/);
    const withHub = synthVariant('prod', (e) => (e.azure.network.privateEndpoints.dnsZoneResourceGroupId = '/subscriptions/044030b3-01af-47b7-8156-a6ca59af779e/resourceGroups/rg-hub-dns'));
    expect(withHub.bicepParams).toMatch(/privateDnsZoneResourceGroupId: '\/subscriptions\/[^']+\/resourceGroups\/rg-hub-dns'/);
  });
});

describe('the registry', () => {
  const registry = block(code('modules/container-registry.bicep'), /^resource registry /m);

  it('uses an API version that has anonymousPullEnabled and the tasks bypass (not 2023-07-01)', () => {
    expect(registry).toMatch(/'Microsoft\.ContainerRegistry\/registries@2025-11-01'/);
    expect(registry).toMatch(/anonymousPullEnabled: false/);
  });

  it('lets az acr build (ACR Tasks) through when public access is off, and hardens Premium', () => {
    expect(registry).toMatch(/networkRuleBypassAllowedForTasks: premium/);
    expect(registry).toMatch(/networkRuleSet: premium \? premiumNetworkRules : null/);
    expect(registry).toMatch(/zoneRedundancy: premium \? 'Enabled' : 'Disabled'/);
    expect(registry).toMatch(/policies: premium \? premiumPolicies : null/);
    expect(block(code('modules/container-registry.bicep'), /^var premiumPolicies /m)).toMatch(/status: network\.publicNetworkAccess == 'Disabled' \? 'disabled' : 'enabled'/);
  });

  it('sends a Standard registry none of the Premium-only policies (export, retention)', () => {
    const policies = block(code('modules/container-registry.bicep'), /^var premiumPolicies /m);
    expect(policies).toMatch(/exportPolicy/);
    expect(policies).toMatch(/retentionPolicy/);
    expect(registry).not.toMatch(/exportPolicy|retentionPolicy/);
  });

  it('skips the kubelet AcrPull when az aks update --attach-acr made one', () => {
    expect(code('modules/container-registry.bicep')).toMatch(/^resource kubeletAcrPull '[^']+' = if \(!kubeletAcrPullExists\)/m);
  });
});

describe('names stay within Azure limits', () => {
  it('federated credential names: at most 120 valid characters, unique per subject', () => {
    const names = credentialNames([
      { namespace: 'a-b', serviceAccount: 'c' },
      { namespace: 'a', serviceAccount: 'b-c' },
      { namespace: 'n'.repeat(63), serviceAccount: 's'.repeat(200) },
      { namespace: 'kafka-connect', serviceAccount: 'my.dotted.account' },
      { namespace: 'flink', serviceAccount: 'flink' },
    ]);
    for (const name of names) expect(name).toMatch(CREDENTIAL_NAME);
    expect(new Set(names).size).toBe(names.length);
    expect(names[0]).not.toBe('a-b-c');
    expect(names[4]).toBe('flink-flink');
  });

  it.each(envNames)('the %s ledger gives every subject a valid credential name', (name) => {
    for (const identity of synthOne(name).ledger!.identities) {
      for (const s of identity.subjects) expect(s.credentialName).toMatch(CREDENTIAL_NAME);
      expect(new Set(identity.subjects.map((s) => s.credentialName)).size).toBe(identity.subjects.length);
    }
    expect(code('modules/workload-identity.bicep')).toMatch(/name: subject\.credentialName/);
  });

  /** The longest a Bicep string expression can render, or undefined when it has an unbounded part. */
  function maxLength(expression: string): number | undefined {
    let rest = expression;
    let total = 0;
    for (;;) {
      const m = /\$\{(take\((.+?), (\d+)\)|uniqueString\((?:[^()]|\([^()]*\))*\)|deploymentPrefix)\}/.exec(rest);
      if (!m) break;
      total += m.index;
      total += m[3] ? Math.min(Number(m[3]), maxLength(`\${${m[2]}}`) ?? Number(m[3])) : m[1].startsWith('uniqueString') ? 13 : 40;
      rest = rest.slice(m.index + m[0].length);
    }
    if (rest.includes('${')) return undefined;
    return total + rest.length;
  }

  /** Evaluates the name expressions used for nested deployments: take(), uniqueString() (any 13-character hash), interpolation. */
  function evaluate(expression: string, scope: Record<string, string>): string {
    const value = (e: string): string => {
      const take = /^take\((.+), (\d+)\)$/.exec(e);
      if (take) return value(take[1]).slice(0, Number(take[2]));
      const unique = /^uniqueString\((.+)\)$/.exec(e);
      if (unique) return createHash('sha256').update(value(unique[1])).digest('hex').slice(0, 13);
      if (e.startsWith("'")) return evaluate(e.slice(1, -1), scope);
      if (!(e in scope)) throw new Error(`cannot evaluate ${e}`);
      return scope[e];
    };
    let out = '';
    for (let i = 0; i < expression.length; ) {
      if (!expression.startsWith('${', i)) {
        out += expression[i++];
        continue;
      }
      let depth = 0;
      let j = i;
      for (; j < expression.length; j++) {
        if (expression[j] === '{') depth++;
        if (expression[j] === '}' && --depth === 0) break;
      }
      out += value(expression.slice(i + 2, j));
      i = j + 1;
    }
    return out;
  }

  it('nested deployment names stay apart for identities that share a long prefix', () => {
    const identityName = /^module workloadIdentities [^\n]*\n\s+name: '(.+)'$/m.exec(code('main.bicep'))![1];
    const rolesName = /^module roles [^\n]*\n(?:\s+\/\/[^\n]*\n)*\s+name: '(.+)'$/m.exec(read('modules/workload-identity.bicep'))![1];
    const names = ['kafka-connect-sink-for-the-orders-topic-a', 'kafka-connect-sink-for-the-orders-topic-b'].map((identity) => {
      const outer = evaluate(identityName, { deploymentPrefix: 'aks-lakehouse-production-westeurope', 'identity.name': identity });
      return { outer, roles: evaluate(rolesName, { 'deployment().name': outer }) };
    });
    for (const n of names) {
      expect(n.outer.length).toBeLessThanOrEqual(64);
      expect(n.roles.length).toBeLessThanOrEqual(64);
    }
    expect(names[0].outer).not.toBe(names[1].outer);
    expect(names[0].roles).not.toBe(names[1].roles);
  });

  it('nested deployment names: at most 64 characters whatever the names in the ledger', () => {
    // deployment().name is aks-lakehouse-<env>, and is cut with take() before use.
    expect(code('main.bicep')).toMatch(/var deploymentPrefix = take\(deployment\(\)\.name, 40\)/);
    for (const file of bicepFiles) {
      for (const m of code(file).matchAll(/^module \w+ '[^']+' = [^\n]*\n(?:\s+#[^\n]*\n)?\s+name: '(.+)'$/gm)) {
        const length = maxLength(m[1].replace(/take\(deployment\(\)\.name, (\d+)\)/g, 'take(x, $1)'));
        expect(length, `${file}: ${m[1]}`).toBeDefined();
        expect(length!, `${file}: ${m[1]}`).toBeLessThanOrEqual(64);
      }
    }
  });
});

describe('the PostgreSQL server is written one operation at a time', () => {
  const postgres = code('modules/postgres.bicep');
  const declarations = [...postgres.matchAll(/^(?:@batchSize\((\d+)\)\n)?(resource|module) (\w+) [^\n]*\n([\s\S]*?)\n\}\]?$/gm)].map((m) => ({ batch: m[1], name: m[3], body: m[4] }));
  const children = declarations.filter((d) => d.name !== 'server' && /parent: server|scope: server|targetResourceId: server\.id/.test(d.body));
  const dependsOn = (d: { body: string }) => [...(/dependsOn: \[([^\]]*)\]/.exec(d.body)?.[1] ?? '').matchAll(/\w+/g)].map((m) => m[0]).concat(/parent: (\w+)/.exec(d.body)?.[1] ?? []);
  const after = (a: string, b: string, seen = new Set<string>()): boolean => {
    const d = declarations.find((x) => x.name === a);
    if (!d || seen.has(a)) return false;
    seen.add(a);
    return dependsOn(d).some((x) => x === b || after(x, b, seen));
  };

  it('every child of the server comes after every other one, or before it (Flexible Server answers ServerIsBusy to parallel writes)', () => {
    expect(children.map((c) => c.name).sort()).toEqual(['aksEgress', 'database', 'serverDiagnostics', 'serverEndpoint', 'serverLock']);
    for (const a of children) for (const b of children) if (a !== b) expect(after(a.name, b.name) || after(b.name, a.name), `${a.name} / ${b.name}`).toBe(true);
    expect(children.find((c) => c.name === 'aksEgress')!.batch).toBe('1');
  });

  it('restates no default, never asks for a smaller disk, and outputs nothing Azure may leave out', () => {
    expect(postgres).not.toMatch(/require_secure_transport|charset|collation/);
    expect(postgres).toMatch(/storageSizeGB: max\(settings\.storageGiB, deployedStorageGiB\)/);
    expect(code('main.bicep')).toMatch(/deployedStorageGiB: postgresDeployedStorageGiB/);
    expect(postgres).not.toMatch(/^output /m);
  });

  it('names each firewall rule by the address it admits and gives the zone-redundant server a maintenance window', () => {
    expect(block(postgres, /^resource aksEgress /m)).toMatch(/name: 'aks-egress-\$\{replace\(address, '\.', '-'\)\}'/);
    expect(block(postgres, /^resource server /m)).toMatch(/maintenanceWindow: \{\n\s+customWindow: 'Enabled'/);
  });
});

describe('delete locks where the environment asks for them', () => {
  it.each([
    ['modules/storage.bicep', 'storageAccount'],
    ['modules/key-vault.bicep', 'vault'],
    ['modules/postgres.bicep', 'server'],
    ['modules/container-registry.bicep', 'registry'],
  ])('%s locks %s', (file, symbol) => {
    const lock = [...code(file).matchAll(/^resource \w+ 'Microsoft\.Authorization\/locks@[^']+' = if \(([\w.]+)\) \{\n([\s\S]*?)\n\}/gm)];
    expect(lock).toHaveLength(1);
    expect(lock[0][2]).toMatch(new RegExp(`scope: ${symbol}\n`));
    expect(lock[0][2]).toMatch(/level: 'CanNotDelete'/);
  });

  it('passes protection.deleteLock to the server and the registry', () => {
    expect(block(code('main.bicep'), /^module database /m)).toMatch(/deleteLock: protection\.deleteLock/);
    expect(block(code('main.bicep'), /^module registry /m)).toMatch(/deleteLock: protection\.deleteLock/);
  });
});

describe('what-if sees what will happen', () => {
  it('turns on the what-if-short-circuiting linter rule', () => {
    expect(JSON.parse(read('bicepconfig.json')).analyzers.core.rules['what-if-short-circuiting'].level).toBe('error');
  });

  it('passes no module output and no runtime property into a module, but the one documented principal ID', () => {
    for (const file of bicepFiles) {
      const text = read(file);
      for (const m of text.matchAll(/^module (\w+) [\s\S]*?\n\}\]?$/gm)) {
        const params = /params: \{([\s\S]*?)\n {2}\}/.exec(m[0])?.[1] ?? '';
        const runtime = params.split('\n').filter((l) => /\.outputs\.|\.properties\.|\.identity\./.test(l));
        const disabled = text.slice(Math.max(0, m.index! - 80), m.index).includes('#disable-next-line what-if-short-circuiting');
        // The documented principal IDs: a ledger identity's, and Managed Grafana's system identity.
        if (disabled) expect([['principalId: identity.properties.principalId'], ['principalId: grafana.identity.principalId']]).toContainEqual(runtime.map((l) => l.trim()));
        else expect(runtime, `${file} module ${m[1]}`).toEqual([]);
      }
    }
  });

  it('reads the cluster values from the deploy command, not from the cluster resource', () => {
    expect(code('main.bicep')).not.toMatch(/managedClusters/);
    for (const name of envNames) {
      expect(synthOne(name).bicepParams).toContain("param aksOidcIssuerUrl = readEnvironmentVariable('LAKEHOUSE_AKS_OIDC_ISSUER_URL')");
      expect(synthOne(name).bicepParams).toContain("param kubeletPrincipalId = readEnvironmentVariable('LAKEHOUSE_KUBELET_PRINCIPAL_ID')");
    }
  });
});

describe('diagnostics and hardening', () => {
  it('sends every log and metric wherever a workspace is set', () => {
    for (const file of ['modules/storage.bicep', 'modules/key-vault.bicep', 'modules/container-registry.bicep']) {
      const text = code(file);
      const settings = [...text.matchAll(/^resource (\w+) 'Microsoft\.Insights\/diagnosticSettings@[^']+'/gm)].map((m) => block(text, new RegExp(`^resource ${m[1]} `, 'm')));
      expect(settings.length, file).toBeGreaterThan(0);
      for (const s of settings) {
        expect(s).toMatch(/category: 'AllMetrics'/);
        if (s.includes('logs:')) expect(s).toMatch(/categoryGroup: 'allLogs'/);
        expect(s).not.toMatch(/categoryGroup: 'audit'/);
      }
    }
    const accountLevel = block(code('modules/storage.bicep'), /^resource accountDiagnostics /m);
    expect(accountLevel).toMatch(/scope: storageAccount/);
  });

  it('limits copies into the lake to this tenant, or to private links', () => {
    expect(block(code('modules/storage.bicep'), /^resource storageAccount /m)).toMatch(/allowedCopyScope: privateEndpoints \? 'PrivateLink' : 'AAD'/);
  });

  it('lets the AKS subnets through the storage and Key Vault firewalls', () => {
    expect(block(code('modules/storage.bicep'), /^resource storageAccount /m)).toMatch(/virtualNetworkRules: \[for subnetId in network\.aksSubnetIds: \{\n\s+id: subnetId\n\s+action: 'Allow'/);
    expect(block(code('modules/key-vault.bicep'), /^resource vault /m)).toMatch(/virtualNetworkRules: \[for subnetId in network\.aksSubnetIds: \{\n\s+id: subnetId\n\s+ignoreMissingVnetServiceEndpoint: false/);
  });
});

describe('the network model refuses what Azure refuses or what opens the lake', () => {
  it.each([
    ['an octet above 255', '203.0.113.256'],
    ['a /31 prefix', '203.0.113.0/31'],
    ['a /32 prefix', '203.0.113.7/32'],
    ['a private range', '10.0.0.0/8'],
    ['a private address', '192.168.1.10'],
    ['another private range', '172.20.0.0/16'],
    ['the whole internet', '0.0.0.0/0'],
    ['half the internet', '128.0.0.0/1'],
    ['not an address', 'office'],
  ])('an IP rule with %s', (_, rule) => {
    expect(ipRuleProblem(rule)).toBeDefined();
    const result = synthVariant('dev', (e) => (e.azure.network.allowedIpRanges = [rule]));
    expect(errorsOf(result)).toEqual([expect.stringContaining(`environments/dev.ts: azure.network.allowedIpRanges.0 (${JSON.stringify(rule)}) must`)]);
  });

  it.each(['203.0.113.0/24', '198.51.100.7', '203.0.113.0/30'])('accepts the public rule %s', (rule) => {
    expect(ipRuleProblem(rule)).toBeUndefined();
  });

  it('a virtual network ID where a subnet ID is needed', () => {
    const result = synthVariant('dev', (e) => (e.azure.network.aksSubnetIds = [e.azure.network.aksSubnetIds[0].replace(/\/subnets\/.*$/, '')]));
    expect(errorsOf(result)).toEqual([expect.stringContaining('environments/dev.ts: azure.network.aksSubnetIds.0 ("/subscriptions/0c9b0e19-65a1-40a2-a651-5d7d5a241a1d/resourceGroups/rg-network-dev/providers/Microsoft.Network/virtualNetworks/vnet-dev") must be a subnet resource ID')]);
  });

  it('a firewall with no path from AKS', () => {
    const result = synthVariant('dev', (e) => (e.azure.network.aksSubnetIds = []));
    expect(errorsOf(result)).toEqual([
      'environments/dev.ts: azure.network.aksSubnetIds ([]) must name the AKS node subnets when there are no privateEndpoints: the storage and Key Vault firewalls deny everything else, so pods would have no path to them',
    ]);
  });

  it('public access off without private endpoints, or with IP rules that could never apply', () => {
    const off = synthVariant('dev', (e) => (e.azure.network.publicNetworkAccess = 'Disabled'));
    expect(errorsOf(off)).toEqual([
      "environments/dev.ts: azure.network.privateEndpoints (missing) is required when network.publicNetworkAccess is 'Disabled'",
      'environments/dev.ts: azure.network.allowedIpRanges (["203.0.113.0/24"]) must be empty when network.publicNetworkAccess is \'Disabled\': IP rules apply to the public endpoint only',
    ]);
  });
});

describe('settings Azure fixes at creation', () => {
  it('refuses a soft-delete retention that differs from the deployed vault', () => {
    const result = synthVariant('prod', (e) => (e.protection.keyVaultSoftDeleteDays = 60));
    expect(result.files).toBeUndefined();
    expect(errorsOf(result)).toEqual([
      'environments/prod.ts: protection.keyVaultSoftDeleteDays (60) cannot change after the vault was created with 90 days (environments/prod.azure.json); Azure refuses the update. Put it back, or create a new vault',
    ]);
  });

  it('refuses turning purge protection off', () => {
    const result = synthVariant('dev', (e) => (e.protection.keyVaultPurgeProtection = false));
    expect(errorsOf(result)).toEqual(['environments/dev.ts: protection.keyVaultPurgeProtection (false) must be true: purge protection cannot be turned off once a vault has it']);
  });
});

/** Decodes a Bicep single-quoted string literal (Bicep data types, "Strings"), for the round trip below. */
function decodeBicepString(literal: string): string {
  expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
  const body = literal.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "'") throw new Error(`unescaped quote at ${i} in ${literal}`);
    if (c === '$' && body[i + 1] === '{') throw new Error(`interpolation at ${i} in ${literal}`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = body[++i];
    if (next === 'u') {
      const end = body.indexOf('}', i);
      out += String.fromCodePoint(parseInt(body.slice(i + 2, end), 16));
      i = end;
    } else {
      out += ({ '\\': '\\', "'": "'", n: '\n', r: '\r', t: '\t', $: '$' } as Record<string, string>)[next] ?? `\\${next}`;
    }
  }
  return out;
}

describe('the .bicepparam writer escapes every string', () => {
  const hostile = ["it's", '${subscription().id}', 'back\\slash', 'two\nlines', 'tab\there', "'; param x = 'y", '\u0007bell', '$notInterp {x}'];

  it.each(hostile)('round-trips %j', (value) => {
    expect(decodeBicepString(bicepString(value))).toBe(value);
  });

  it('writes hostile tag keys and values into a file whose strings all close', () => {
    // Keys Azure forbids (< > % & \\ ? /) are refused at synth; every other hostile string is a key here, and every one a value.
    const keys = hostile.filter((v) => !/[<>%&\\?/]/.test(v));
    expect(keys.length).toBeGreaterThan(5);
    const result = synthVariant('dev', (e) => (e.azure.tags = Object.fromEntries(hostile.map((v, i) => [keys.includes(v) ? v : `key${i}`, `v${i}-${v}`]))));
    const params = result.bicepParams!;
    const tags = /param tags = \{\n([\s\S]*?)\n\}/.exec(params)![1];
    for (const line of tags.split('\n')) {
      const m = /^\s+('(?:[^'\\]|\\.)*'|[A-Za-z_]\w*): ('(?:[^'\\]|\\.)*')$/.exec(line);
      expect(m, line).not.toBeNull();
      const key = m![1].startsWith("'") ? decodeBicepString(m![1]) : m![1];
      const value = decodeBicepString(m![2]);
      expect(value.startsWith('v') || key === 'environment' || key === 'managed-by' || key === 'costCenter').toBe(true);
    }
    expect(params).toContain("'it\\'s': 'v0-it\\'s'");
    expect(params).toContain("'\\${subscription().id}': 'v1-\\${subscription().id}'");
  });
});
