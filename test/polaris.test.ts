import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { environmentSchema } from '../charts/components';
import { buildEnvironmentApp } from '../charts/environment-app';
import { parseOrThrow } from '../charts/lib/validation';
import { PolarisChart } from '../charts/polaris';
import { POLARIS, POLARIS_DATABASE, postgresServerName } from '../charts/polaris/constants';
import { environments } from '../environments';
import { envNames, errorsOf, find, readCommittedOutputs, root, synthOne, synthVariant } from './helpers';

const properties = (text: string) => Object.fromEntries(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

// Synth holds the server image's tag to POLARIS.release: the release test/polaris checks against.
describe('the Polaris release', () => {
  it('is the one whose admin tool options are pinned and whose polaris-core the admin tool check runs', () => {
    expect(readFileSync(join(root, 'pinned', 'polaris', `admin-tool-${POLARIS.release}-bootstrap.json`), 'utf8').length).toBeGreaterThan(0);
    expect(readFileSync(join(root, 'test', 'polaris', 'admin', 'check.mjs'), 'utf8')).toContain(`org.apache.polaris:\${a}:${POLARIS.release}`);
  });
});

describe.each(envNames)('Polaris in %s', (env) => {
  const result = synthOne(env);
  const settings = (environments[env] as any).components.polaris;
  const outputs = readCommittedOutputs(env) as any;
  const deployment = find(result, 'Deployment', 'polaris', 'polaris');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const config = properties(find(result, 'ConfigMap', 'polaris', 'polaris').data['application.properties']);

  it('serves REST on 8181 and health on the management port 8182 (Polaris 1.7.0 defaults and chart probes)', () => {
    expect(container.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['http', 8181], ['management', 8182]]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/q/health/live', port: 'management' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/q/health/ready', port: 'management' });
    expect(config['quarkus.http.port']).toBe('8181');
    expect(config['quarkus.management.port']).toBe('8182');
    const service = find(result, 'Service', 'polaris', 'polaris');
    expect(service.spec.ports.map((p: any) => p.port)).toEqual([8181, 8182]);
  });

  it('persists to the PostgreSQL server Bicep creates, over verified TLS, with the password from Key Vault', () => {
    expect(config['polaris.persistence.type']).toBe('relational-jdbc');
    expect(config['quarkus.datasource.jdbc.url']).toBe(
      `jdbc:postgresql://psql-${(environments[env] as any).azure.namePrefix}.postgres.database.azure.com:5432/polaris?sslmode=verify-full&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory`,
    );
    // Its own login, not the administrator (test/polaris-server-login.test.ts).
    expect(config['quarkus.datasource.username']).toBe(POLARIS_DATABASE.serverLogin);
    const password = container.env.find((e: any) => e.name === 'QUARKUS_DATASOURCE_PASSWORD');
    const secret = find(result, 'ExternalSecret', password.valueFrom.secretKeyRef.name, 'polaris');
    expect(secret.spec.data).toEqual([expect.objectContaining({ secretKey: 'password', remoteRef: expect.objectContaining({ key: 'polaris-db-server-password' }) })]);
  });

  it('serves its realm, Azure storage only, with one token key for every replica from Key Vault', () => {
    expect(config['polaris.realm-context.realms']).toBe(settings.realm);
    expect(config['polaris.realm-context.require-header']).toBe(String(settings.requireRealmHeader));
    expect(config['polaris.features."SUPPORTED_CATALOG_STORAGE_TYPES"']).toBe('["AZURE"]');
    expect(config['polaris.authentication.token-broker.type']).toBe('symmetric-key');
    const keyFile = config['polaris.authentication.token-broker.symmetric-key.file'];
    const mount = container.volumeMounts.find((v: any) => keyFile.startsWith(`${v.mountPath}/`));
    const volume = pod.volumes.find((v: any) => v.name === mount.name);
    const secret = find(result, 'ExternalSecret', volume.secret.secretName, 'polaris');
    expect(secret.spec.data[0]).toMatchObject({ secretKey: keyFile.split('/').pop(), remoteRef: { key: 'polaris-token-broker-key' } });
  });

  it('sizes the heap from the memory limit and runs restricted as the image user', () => {
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'JAVA_MAX_MEM_RATIO', value: '75' }]));
    expect(container.resources.limits.memory).toBe(container.resources.requests.memory);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: POLARIS.uid, fsGroup: POLARIS.gid });
    expect(deployment.spec.replicas).toBe(settings.replicas);
  });

  it('reaches the lake keylessly: Contributor on iceberg and Storage Blob Delegator on the account for user delegation SAS', () => {
    const identity = result.ledger!.identities.find((i) => i.name === 'polaris')!;
    expect(identity.storage).toEqual([{ container: 'iceberg', role: 'Storage Blob Data Contributor' }]);
    expect(identity.storageAccount).toEqual([{ role: 'Storage Blob Delegator' }]);
    expect(identity.keyVault).toEqual([]);
    const creator = result.ledger!.identities.find((i) => i.name === 'polaris-catalog-creator')!;
    // Secrets Officer on its consumers' secrets only: not the database password or the root credentials.
    const consumerSecrets = Object.keys(settings.consumers).flatMap((c) => [`polaris-${c}-client-id`, `polaris-${c}-client-secret`]).sort();
    expect(creator).toMatchObject({ storage: [], storageAccount: [], keyVault: [] });
    expect(creator.keyVaultSecrets).toEqual(consumerSecrets.map((secret) => ({ secret, role: 'Key Vault Secrets Officer' })));
    expect(find(result, 'ServiceAccount', 'polaris', 'polaris').metadata.annotations['azure.workload.identity/client-id']).toBe(outputs.identities.polaris.clientId);
    // Every other identity stays as narrow as before.
    for (const other of result.ledger!.identities.filter((i) => i.name !== 'polaris')) expect(other.storageAccount).toEqual([]);
  });

  it('bootstraps the realm with the admin tool before the server, and creates the catalog after it serves', () => {
    const bootstrap = find(result, 'Job', 'polaris-bootstrap', 'polaris');
    expect(bootstrap.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/sync-wave': '0' });
    expect(Number(deployment.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeGreaterThan(0);
    const tool = bootstrap.spec.template.spec.containers[0];
    expect(tool.image).toBe(settings.adminToolImage);
    expect(tool.image.split(':').pop()).toBe(settings.image.split(':').pop());
    // What the admin tool makes of these is proven by test/polaris/admin/check.mjs (picocli with the 1.7.0 model, the real RootCredentialsSet).
    expect(tool.args).toEqual(['bootstrap', '--credentials-file', '/credentials/credentials.yaml']);
    const file = find(result, 'ExternalSecret', 'polaris-bootstrap', 'polaris').spec.target.template.data['credentials.yaml'];
    expect(file).toBe(`${settings.realm}:\n  client-id: "{{ .clientId }}"\n  client-secret: "{{ .clientSecret }}"\n`);
    const creator = find(result, 'Job', 'polaris-catalog-creator', 'polaris');
    expect(creator.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
    expect(creator.spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
  });

  it('makes the catalog on the iceberg container, in the tenant, hierarchical like the lake', () => {
    const config = JSON.parse(find(result, 'ConfigMap', 'polaris-catalog-creator', 'polaris').data['config.json']);
    const location = `abfss://iceberg@${outputs.storageAccountName}.dfs.core.windows.net/${settings.warehousePath}`;
    expect(config.catalog).toEqual({
      type: 'INTERNAL',
      name: settings.catalogName,
      properties: { 'default-base-location': location, 'polaris.config.drop-with-purge.enabled': 'true' },
      storageConfigInfo: { storageType: 'AZURE', tenantId: outputs.tenantId, allowedLocations: [location], hierarchical: true },
    });
    expect(readFileSync(join(root, 'bicep', 'modules', 'storage.bicep'), 'utf8')).toMatch(/isHnsEnabled: true/);
    expect(config.consumers.map((c: any) => c.name)).toEqual(Object.keys(settings.consumers).sort());
  });

  it('admits catalog clients from the platform namespaces only, and reaches only DNS, HTTPS and PostgreSQL', () => {
    const policy = find(result, 'NetworkPolicy', 'polaris', 'polaris');
    expect(policy.spec.ingress).toEqual([expect.objectContaining({ ports: [{ protocol: 'TCP', port: 8181 }] })]);
    expect(policy.spec.egress.flatMap((r: any) => r.ports.map((p: any) => p.port)).sort()).toEqual([443, 53, 53, 5432]);
  });
});

describe('Polaris, dev and prod', () => {
  it('prod: two replicas in different zones, the realm header required, a highly available database', () => {
    const prod = synthOne('prod');
    const spec = find(prod, 'Deployment', 'polaris', 'polaris').spec;
    expect(spec.replicas).toBeGreaterThanOrEqual(2);
    expect(spec.template.spec.topologySpreadConstraints.find((t: any) => t.topologyKey === 'topology.kubernetes.io/zone').whenUnsatisfiable).toBe('DoNotSchedule');
    expect(prod.bicepParams).toMatch(/postgres = \{[\s\S]*?enabled: true[\s\S]*?geoRedundantBackup: true[\s\S]*?tier: 'GeneralPurpose'[\s\S]*?zoneRedundantHa: true/);
    expect(synthOne('dev').bicepParams).toMatch(/postgres = \{[\s\S]*?tier: 'Burstable'[\s\S]*?zoneRedundantHa: false/);
  });
});

describe('the consumer handle', () => {
  const env = parseOrThrow(environmentSchema, environments.dev, 'environments/dev.ts');
  const { app, charts } = buildEnvironmentApp({ env, envFile: 'environments/dev.ts', outputs: readCommittedOutputs('dev') as any, outputsFile: 'environments/dev.azure.json' });
  const polaris = charts.find((c) => c.component === 'polaris') as PolarisChart;

  it('gives a consumer the catalog URI, token endpoint, warehouse, realm header, scope and its Key Vault secrets', () => {
    const { dataLocation, ...handle } = polaris.consumer('trino');
    expect(dataLocation.abfss()).toBe('abfss://iceberg@stlakehousedev01.dfs.core.windows.net/warehouse');
    expect(handle).toEqual({
      requiresRealmHeader: false,
      catalogUri: 'http://polaris.polaris.svc:8181/api/catalog',
      oauthTokenUri: 'http://polaris.polaris.svc:8181/api/catalog/v1/oauth/tokens',
      warehouse: 'lakehouse',
      headers: { 'Polaris-Realm': 'POLARIS' },
      scope: 'PRINCIPAL_ROLE:trino',
      keyVaultSecrets: { clientId: 'polaris-trino-client-id', clientSecret: 'polaris-trino-client-secret' },
    });
  });

  it('refuses a consumer the environment gives no access', () => {
    expect(() => polaris.consumer('spark')).toThrowError('environments/dev.ts: components.polaris.consumers.spark (missing) must exist: that component reads the catalog');
    expect(Chart.of(polaris)).toBe(polaris);
    expect(app).toBeInstanceOf(App);
  });
});

describe('Polaris and Bicep agree', () => {
  const main = readFileSync(join(root, 'bicep', 'main.bicep'), 'utf8');
  const postgres = readFileSync(join(root, 'bicep', 'modules', 'postgres.bicep'), 'utf8');

  it('on the server name, login and database', () => {
    expect(main).toMatch(/name: 'psql-\$\{namePrefix\}'/);
    const env = parseOrThrow(environmentSchema, environments.dev, 'environments/dev.ts');
    const { platform } = buildEnvironmentApp({ env, envFile: 'environments/dev.ts', outputs: readCommittedOutputs('dev') as any, outputsFile: 'x' });
    expect(postgresServerName(platform)).toBe(`psql-${env.azure.namePrefix}`);
    expect(synthOne('dev').bicepParams).toContain(`administratorLogin: '${POLARIS_DATABASE.login}'`);
    expect(synthOne('dev').bicepParams).toContain(`databaseName: '${POLARIS_DATABASE.name}'`);
  });

  it('keeps TLS required (the server default), the password out of files, and reaches AKS only', () => {
    expect(postgres).not.toMatch(/name: 'require_secure_transport'/);
    expect(postgres).toMatch(/@secure\(\)\nparam administratorLoginPassword string = ''/);
    expect(postgres).toMatch(/publicNetworkAccess: private \? 'Disabled' : 'Enabled'/);
    expect(postgres).toMatch(/for address in \(private \? \[\] : network\.aksEgressIps\)/);
    expect(postgres).toMatch(/groupId: 'postgresqlServer'/);
    for (const name of envNames) expect(synthOne(name).bicepParams).toContain("param postgresAdminPassword = readEnvironmentVariable('LAKEHOUSE_POSTGRES_ADMIN_PASSWORD', '')");
  });
});

describe('Polaris refuses settings that cannot work', () => {
  it.each([
    ['high availability on Burstable', (e: any) => (e.components.polaris.database.zoneRedundantHa = true),
      'environments/dev.ts: components.polaris.database.zoneRedundantHa (true) must be false for the Burstable tier'],
    ['namespaces without namespace access', (e: any) => (e.components.polaris.consumers.trino.namespaces = ['raw']),
      "environments/dev.ts: components.polaris.consumers.trino.namespaces ([\"raw\"]) must list namespaces exactly when access is 'namespaces'"],
    ['no path from AKS to the database', (e: any) => (e.azure.network.aksEgressIps = []),
      'environments/dev.ts: azure.network.aksEgressIps ([]) must list the AKS egress addresses when there are no privateEndpoints'],
    ['an image from elsewhere', (e: any) => (e.components.polaris.image = 'docker.io/apache/polaris:1.7.0'),
      "environments/dev.ts: components.polaris.image (\"docker.io/apache/polaris:1.7.0\") must come from the environment's registry"],
    ['an egress range instead of an address', (e: any) => (e.azure.network.aksEgressIps = ['198.51.100.0/24']),
      'environments/dev.ts: azure.network.aksEgressIps.0 ("198.51.100.0/24") must be a single address'],
  ])('%s', (_, change, message) => {
    const result = synthVariant('dev', change);
    expect(result.files).toBeUndefined();
    expect(errorsOf(result)).toEqual([expect.stringContaining(message)]);
  });
});
