import { describe, expect, it } from 'vitest';
import { CATALOG_NAME, drainCommand, heapMiB, TRINO } from '../charts/trino/config';
import { environments } from '../environments';
import { envNames, errorsOf, find, objects, readCommittedOutputs, synthOne, synthVariant } from './helpers';

const properties = (text: string) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe.each(envNames)('Trino in %s', (env) => {
  const result = synthOne(env);
  const settings = (environments[env] as any).components.trino;
  const outputs = readCommittedOutputs(env) as any;
  const coordinator = find(result, 'Deployment', 'trino-coordinator', 'trino');
  const workers = find(result, 'Deployment', 'trino-worker', 'trino');
  const files = (role: string) => find(result, 'ConfigMap', `trino-${role}`, 'trino').data;
  const catalog = properties(files('coordinator')[`${CATALOG_NAME}.properties`]);

  it('reads the lakehouse catalog over Polaris REST with OAuth2 client credentials from Key Vault, never inline', () => {
    expect(catalog).toMatchObject({
      'connector.name': 'iceberg',
      'iceberg.catalog.type': 'rest',
      'iceberg.rest-catalog.uri': 'http://polaris.polaris.svc:8181/api/catalog',
      'iceberg.rest-catalog.warehouse': (environments[env] as any).components.polaris.catalogName,
      'iceberg.rest-catalog.security': 'OAUTH2',
      'iceberg.rest-catalog.oauth2.credential': '${ENV:POLARIS_CLIENT_ID}:${ENV:POLARIS_CLIENT_SECRET}',
      'iceberg.rest-catalog.oauth2.scope': 'PRINCIPAL_ROLE:trino',
    });
    const vars = coordinator.spec.template.spec.containers[0].env;
    const secretName = vars.find((e: any) => e.name === 'POLARIS_CLIENT_SECRET').valueFrom.secretKeyRef.name;
    expect(find(result, 'ExternalSecret', secretName, 'trino').spec.data.map((d: any) => d.remoteRef.key).sort()).toEqual(['polaris-trino-client-id', 'polaris-trino-client-secret']);
  });

  it('gives the Polaris credentials to the coordinator only: workers never call the catalog', () => {
    const worker = properties(files('worker')[`${CATALOG_NAME}.properties`]);
    expect(Object.keys(worker).filter((k) => /oauth2|security/.test(k))).toEqual([]);
    expect(worker['iceberg.rest-catalog.uri']).toBe(catalog['iceberg.rest-catalog.uri']);
    expect(workers.spec.template.spec.containers[0].env.map((e: any) => e.name)).toEqual(['TRINO_INTERNAL_SHARED_SECRET']);
  });

  it('reaches the lake with workload identity only, with a data role on the tables container', () => {
    expect(catalog['fs.native-azure.enabled']).toBe('true');
    expect(catalog['azure.auth-type']).toBe('DEFAULT');
    expect(Object.keys(catalog).filter((k) => /vended|sas|access-key|oauth2\.client|azure\.(client|tenant)/.test(k))).toEqual([]);
    const identity = result.ledger!.identities.find((i) => i.name === 'trino')!;
    expect(identity.storage).toEqual([{ container: 'iceberg', role: 'Storage Blob Data Contributor' }]);
    expect(identity.subjects.map((s) => `${s.namespace}/${s.serviceAccount}`)).toEqual(['trino/trino']);
    for (const d of [coordinator, workers]) {
      expect(d.spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
      expect(d.spec.template.spec.serviceAccountName).toBe('trino');
    }
    expect(find(result, 'ServiceAccount', 'trino', 'trino').metadata.annotations['azure.workload.identity/client-id']).toBe(outputs.identities.trino.clientId);
  });

  it('sizes each heap from its container limit and rolls the pods when a file changes', () => {
    for (const [role, d, sizing] of [['coordinator', coordinator, settings.coordinator], ['worker', workers, settings.workers]] as const) {
      expect(files(role)['jvm.config']).toContain(`-Xmx${heapMiB(sizing.memoryGiB)}M\n`);
      expect(d.spec.template.spec.containers[0].resources.limits.memory).toBe(`${sizing.memoryGiB}Gi`);
      expect(d.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(heapMiB(4)).toBe(3072);
  });

  it('drains workers with Trino graceful shutdown, allowed to the drain user only, inside their termination grace', () => {
    // The command itself runs against the real worker in test/trino/boot.mjs.
    const pod = workers.spec.template.spec;
    const grace = Number(properties(files('worker')['config.properties'])['shutdown.grace-period'].replace(/s$/, ''));
    expect(pod.containers[0].lifecycle.preStop.exec.command).toEqual(['sh', '-c', drainCommand(settings.drainUser ?? 'trino-drain')]);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(2 * grace);
    const worker = properties(files('worker')['config.properties']);
    expect(worker['access-control.config-files']).toBe('/etc/trino/access-control.properties');
    expect(properties(files('worker')['access-control.properties'])).toEqual({ 'access-control.name': 'file', 'security.config-file': '/etc/trino/rules.json', 'security.refresh-period': '1m' });
    expect(JSON.parse(files('worker')['rules.json'])).toEqual({
      system_information: [
        { user: 'trino-drain', allow: ['write'] },
        { user: 'trino-metrics', allow: ['read'] },
      ],
    });
    expect(workers.spec.replicas).toBe(settings.workers.replicas);
    expect(coordinator.spec.replicas).toBe(1);
    expect(coordinator.spec.strategy.type).toBe('Recreate');
  });

  it('exits on OutOfMemoryError and writes no heap dump, which would fill the data emptyDir and get the pod evicted', () => {
    for (const role of ['coordinator', 'worker']) {
      const flags = files(role)['jvm.config'].split('\n');
      expect(flags).toContain('-XX:+ExitOnOutOfMemoryError');
      expect(flags.filter((f: string) => /HeapDump/.test(f))).toEqual([]);
    }
  });

  it('leaves the coordinator byte for byte as it is when the workers scale', () => {
    const scaled = synthVariant(env, (e) => (e.components.trino.workers.replicas = settings.workers.replicas + 3));
    const before = new Map(result.files!.map((f) => [f.path, f.content]));
    const changed = scaled.files!.filter((f) => before.get(f.path) !== f.content).map((f) => f.path);
    expect(changed).toEqual([`trino/deployment-trino-worker.yaml`]);
    expect(scaled.files!.map((f) => f.path).sort()).toEqual([...before.keys()].sort());
  });

  it('is ready only when the node is active, and shares one internal secret from Key Vault', () => {
    for (const d of [coordinator, workers]) expect(d.spec.template.spec.containers[0].readinessProbe.exec.command).toEqual([TRINO.healthCheck]);
    for (const role of ['coordinator', 'worker']) expect(properties(files(role)['config.properties'])['internal-communication.shared-secret']).toBe('${ENV:TRINO_INTERNAL_SHARED_SECRET}');
    expect(find(result, 'ExternalSecret', 'trino-internal', 'trino').spec.data[0].remoteRef.key).toBe('trino-internal-shared-secret');
  });

  it('lets clients reach only the coordinator, and Trino reach only itself, the lake and DNS, and the coordinator Polaris', () => {
    const worker = find(result, 'NetworkPolicy', 'trino-worker', 'trino');
    expect(worker.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['trino'] }] } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    const coordinatorPolicy = find(result, 'NetworkPolicy', 'trino-coordinator', 'trino');
    expect(coordinatorPolicy.spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values).toContain('flink');
    const egressPorts = (p: any) => p.spec.egress.flatMap((r: any) => r.ports.map((x: any) => x.port)).sort((a: number, b: number) => a - b);
    expect(egressPorts(coordinatorPolicy)).toEqual([53, 53, 443, 8080, 8181]);
    // Workers never call the catalog (test/trino/boot.mjs), so they cannot reach Polaris.
    expect(egressPorts(worker)).toEqual([53, 53, 443, 8080]);
    expect(find(result, 'Service', 'trino', 'trino').spec.selector['app.kubernetes.io/name']).toBe('trino-coordinator');
  });
});

describe('Trino, dev and prod', () => {
  it('is scraped as the metrics user: prod on HTTPS with its Key Vault password, HTTP ports with the name alone', () => {
    // That Trino 476 answers these requests (and refuses others) is proven in test/monitoring/coverage.mjs.
    const dev = synthOne('dev');
    const prod = synthOne('prod');
    const endpoint = (r: any, role: string) => find(r, 'PodMonitor', `trino-${role}`, 'trino').spec.podMetricsEndpoints;
    const userOnly = { username: { name: 'trino-metrics-user', key: 'username' }, password: { name: 'trino-metrics-user', key: 'password' } };
    for (const [r, role] of [[dev, 'coordinator'], [dev, 'worker'], [prod, 'worker']] as const) {
      expect(endpoint(r, role)).toEqual([{ portNumber: 8080, path: '/metrics', interval: '30s', scheme: 'http', basicAuth: userOnly }]);
    }
    expect(endpoint(prod, 'coordinator')).toEqual([
      {
        portNumber: 8443,
        path: '/metrics',
        interval: '30s',
        scheme: 'https',
        tlsConfig: { insecureSkipVerify: true },
        basicAuth: { username: { name: 'trino-metrics', key: 'username' }, password: { name: 'trino-metrics', key: 'password' } },
      },
    ]);
    const login = find(prod, 'ExternalSecret', 'trino-metrics', 'trino').spec;
    expect(login.data.map((d: any) => [d.secretKey, d.remoteRef.key])).toEqual([['password', 'trino-metrics-password']]);
    expect(login.target.template.data).toEqual({ username: 'trino-metrics', password: '{{ .password }}' });
    expect(() => find(dev, 'ExternalSecret', 'trino-metrics', 'trino')).toThrow();
    // The only Secret in dist/: a user name and an empty password, nothing secret.
    for (const r of [dev, prod]) {
      expect(objects(r).filter((o) => o.kind === 'Secret').map((o) => [o.metadata.name, o.data])).toEqual([['trino-metrics-user', { username: Buffer.from('trino-metrics').toString('base64'), password: '' }]]);
    }
  });

  it('prod: rules for administrators, writers and readers from environments/prod.ts, re-read without a restart', () => {
    const prod = synthOne('prod');
    const access = (environments.prod as any).components.trino.access;
    const data = find(prod, 'ConfigMap', 'trino-coordinator', 'trino').data;
    expect(properties(data['config.properties'])['access-control.config-files']).toBe('/etc/trino/access-control.properties');
    const rules = JSON.parse(data['rules.json']);
    // What each role means is proven by the real Trino in test/trino/boot.mjs; here, who is in which.
    expect(rules.catalogs.map((r: any) => [r.user, r.catalog ?? '*', r.allow])).toEqual([
      [access.administrators.join('|'), '*', 'all'],
      [access.writers.join('|'), 'lakehouse', 'all'],
      [access.readers.join('|'), 'lakehouse', 'read-only'],
      [[...access.writers, ...access.readers].join('|'), 'system', 'read-only'],
    ]);
    expect(rules.system_information).toEqual([
      { user: access.administrators.join('|'), allow: ['read', 'write'] },
      { user: 'trino-metrics', allow: ['read'] },
    ]);
    // The metrics user is in no other section: no catalog, no query (refused by the real Trino in test/monitoring/coverage.mjs).
    for (const section of ['catalogs', 'schemas', 'tables', 'queries', 'procedures']) expect(JSON.stringify(rules[section])).not.toContain('trino-metrics');
    const changed = synthVariant('prod', (e) => e.components.trino.access.readers.push('another-analyst'));
    const deployment = (r: any) => find(r, 'Deployment', 'trino-coordinator', 'trino').spec.template.metadata.annotations['checksum/config'];
    expect(deployment(changed)).toBe(deployment(prod));
    expect(find(changed, 'ConfigMap', 'trino-coordinator', 'trino').data['rules.json']).toContain('analyst|another-analyst');
  });

  it('dev: no access control on the coordinator, as documented (anyone may act as anyone)', () => {
    const data = find(synthOne('dev'), 'ConfigMap', 'trino-coordinator', 'trino').data;
    expect(Object.keys(data).filter((k) => /access|rules/.test(k))).toEqual([]);
    expect(properties(data['config.properties'])['access-control.config-files']).toBeUndefined();
  });

  it('prod: users sign in with a password over HTTPS; dev: anonymous, and said so', () => {
    const prod = properties(find(synthOne('prod'), 'ConfigMap', 'trino-coordinator', 'trino').data['config.properties']);
    expect(prod).toMatchObject({ 'http-server.authentication.type': 'PASSWORD', 'http-server.https.enabled': 'true' });
    const dev = properties(find(synthOne('dev'), 'ConfigMap', 'trino-coordinator', 'trino').data['config.properties']);
    expect(dev['http-server.authentication.type']).toBeUndefined();
    expect((environments.dev as any).components.trino.authentication).toBe('none');
  });

  it.each([
    ['no Polaris to read the catalog from', (e: any) => {
      delete e.components.polaris;
      delete e.components['kafka-connect'];
      delete e.components.flink;
    }, 'environments/dev.ts: components.polaris (missing) must be deployed: Trino reads the lakehouse catalog through it'],
    ['a realm header Trino 476 cannot send', (e: any) => (e.components.polaris.requireRealmHeader = true), 'environments/dev.ts: components.polaris.requireRealmHeader (true) must be false while Trino reads the catalog'],
    ['an image not tagged with a release', (e: any) => (e.components.trino.image = 'crlakehousedev01.azurecr.io/trinodb/trino:stable'), 'environments/dev.ts: components.trino.image ("crlakehousedev01.azurecr.io/trinodb/trino:stable") must be tagged with the Trino release number'],
    ['too little memory for a heap', (e: any) => (e.components.trino.workers.memoryGiB = 1), 'environments/dev.ts: components.trino.workers.memoryGiB (1) must be >= 2 (GiB)'],
    ['a query memory the workers cannot hold', (e: any) => (e.components.trino.queryMaxMemoryGiB = 1), "environments/dev.ts: components.trino.queryMaxMemoryGiB (1) must be at most what the workers' query memory adds up to (1 x 30 % of the heap = 0.90 GiB)"],
    ['roles without sign-in', (e: any) => (e.components.trino.access = { administrators: ['alice'] }), 'environments/dev.ts: components.trino.access ({"administrators":["alice"]}) must be absent when authentication is none'],
  ])('refuses %s', (_, change, message) => {
    const result = synthVariant('dev', change);
    expect(result.files).toBeUndefined();
    expect(errorsOf(result)).toEqual([expect.stringContaining(message)]);
  });

  it.each([
    ['sign-in without roles', (e: any) => delete e.components.trino.access, 'environments/prod.ts: components.trino.access (missing) must name the administrators, writers and readers when authentication is password'],
    ['no administrator', (e: any) => (e.components.trino.access.administrators = []), 'environments/prod.ts: components.trino.access.administrators ([]) must name at least one administrator'],
    ['a user in two roles', (e: any) => e.components.trino.access.readers.push('ingest'), 'environments/prod.ts: components.trino.access.readers.1 ("ingest") is already in writers: a user has one role'],
    ['the drain user in a role', (e: any) => e.components.trino.access.administrators.push('trino-drain'), 'environments/prod.ts: components.trino.access.administrators.1 ("trino-drain") is the drainUser'],
    ['the metrics user in a role', (e: any) => e.components.trino.access.readers.push('trino-metrics'), 'environments/prod.ts: components.trino.access.readers.1 ("trino-metrics") is the metricsUser'],
    ['the drain user reading metrics', (e: any) => (e.components.trino.metricsUser = 'trino-drain'), 'environments/prod.ts: components.trino.metricsUser ("trino-drain") must differ from drainUser'],
    ['a user name that is a pattern', (e: any) => e.components.trino.access.readers.push('.*'), 'environments/prod.ts: components.trino.access.readers.1 (".*") must be a lowercase user name'],
  ])('prod: refuses %s', (_, change, message) => {
    const result = synthVariant('prod', change);
    expect(result.files).toBeUndefined();
    expect(errorsOf(result)).toEqual([expect.stringContaining(message)]);
  });
});
