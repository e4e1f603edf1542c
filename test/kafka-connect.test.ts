import { describe, expect, it } from 'vitest';
import { environments } from '../environments';
import { contractViolations } from './contract';
import { envNames, errorsOf, find, objects, readCommittedOutputs, synthOne, synthVariant } from './helpers';

describe.each(envNames)('Kafka Connect in %s', (env) => {
  const result = synthOne(env);
  const settings = (environments[env] as any).components['kafka-connect'];
  const outputs = readCommittedOutputs(env) as any;
  const connect = find(result, 'KafkaConnect', 'lakehouse', 'kafka-connect');

  it('runs Strimzi KafkaConnect v1 on WarpStream, with the topics at the top level and connector resources on', () => {
    expect(connect.apiVersion).toBe('kafka.strimzi.io/v1');
    expect(connect.spec.bootstrapServers).toBe('warpstream-agent.warpstream.svc:9092');
    expect(connect.spec).toMatchObject({ groupId: 'lakehouse-connect', configStorageTopic: 'lakehouse-connect-configs', offsetStorageTopic: 'lakehouse-connect-offsets', statusStorageTopic: 'lakehouse-connect-status' });
    expect(connect.metadata.annotations['strimzi.io/use-connector-resources']).toBe('true');
    expect(connect.spec.replicas).toBe(settings.replicas);
    expect(connect.spec.image).toBe(settings.image);
    expect(connect.spec.template.podDisruptionBudget).toEqual({ maxUnavailable: 1 });
  });

  it('federates the Strimzi-named service account, labels the pods, and carries the client ID', () => {
    expect(connect.spec.template.pod.metadata.labels['azure.workload.identity/use']).toBe('true');
    expect(connect.spec.template.serviceAccount.metadata.annotations['azure.workload.identity/client-id']).toBe(outputs.identities['kafka-connect'].clientId);
    const identity = result.ledger!.identities.find((i) => i.name === 'kafka-connect')!;
    expect(identity.subjects.map((s) => `${s.namespace}/${s.serviceAccount}`)).toEqual(['kafka-connect/lakehouse-connect']);
    expect(identity.storage).toEqual([{ container: 'iceberg', role: 'Storage Blob Data Contributor' }]);
    expect(contractViolations(objects(result), result.ledger!, outputs)).toEqual([]);
  });

  it('reads the Polaris credential from its Secret through the Kubernetes Secret config provider when a task starts, never from the environment', () => {
    expect(connect.spec.config).toMatchObject({ 'config.providers': 'secrets', 'config.providers.secrets.class': 'io.strimzi.kafka.KubernetesSecretConfigProvider' });
    expect(connect.spec.template.connectContainer.env).toBeUndefined();
    const sink = find(result, 'KafkaConnector', settings.sinks[0].name, 'kafka-connect');
    expect(sink.spec.config['iceberg.catalog.credential']).toBe('${secrets:kafka-connect/kafka-connect-polaris:clientId}:${secrets:kafka-connect/kafka-connect-polaris:clientSecret}');
    expect(find(result, 'ExternalSecret', 'kafka-connect-polaris', 'kafka-connect').spec.data.map((d: any) => d.remoteRef.key).sort()).toEqual(['polaris-kafka-connect-client-id', 'polaris-kafka-connect-client-secret']);
  });

  it('lets the Connect service account get exactly the credential Secret, and nothing else', () => {
    const role = objects(result).filter((o: any) => o.kind === 'Role' && o.metadata.namespace === 'kafka-connect');
    expect(role.map((r: any) => r.rules)).toEqual([[{ apiGroups: [''], resources: ['secrets'], resourceNames: ['kafka-connect-polaris'], verbs: ['get'] }]]);
    const bindings = objects(result).filter((o: any) => o.kind === 'RoleBinding' && o.metadata.namespace === 'kafka-connect');
    expect(bindings.map((b: any) => [b.roleRef.name, b.subjects])).toEqual([[role[0].metadata.name, [{ kind: 'ServiceAccount', name: 'lakehouse-connect', namespace: 'kafka-connect' }]]]);
  });

  it('sends records Connect cannot convert to a dead-letter topic with context headers, and restarts a failed task a bounded number of times', () => {
    for (const s of settings.sinks) {
      const c = find(result, 'KafkaConnector', s.name, 'kafka-connect');
      expect(c.spec.autoRestart).toEqual({ enabled: true, maxRestarts: 7 });
      expect(c.spec.config).toMatchObject({
        'errors.tolerance': 'all',
        'errors.deadletterqueue.topic.name': `lakehouse-dlq-${s.name}`,
        'errors.deadletterqueue.topic.replication.factor': String(settings.replicationFactor ?? 3),
        'errors.deadletterqueue.context.headers.enable': 'true',
        'errors.log.enable': 'true',
      });
    }
  });

  it('lands each sink in its table through Polaris, keyless (ADLSFileIO, no vended credentials), exactly once', () => {
    for (const s of settings.sinks) {
      const c = find(result, 'KafkaConnector', s.name, 'kafka-connect');
      expect(c.metadata.labels['strimzi.io/cluster']).toBe('lakehouse');
      expect(c.spec.class).toBe('org.apache.iceberg.connect.IcebergSinkConnector');
      expect(c.spec.config).toMatchObject({
        topics: s.topics.join(','),
        'iceberg.tables': s.table,
        'iceberg.catalog.type': 'rest',
        'iceberg.catalog.uri': 'http://polaris.polaris.svc:8181/api/catalog',
        'iceberg.catalog.warehouse': 'lakehouse',
        'iceberg.catalog.scope': 'PRINCIPAL_ROLE:kafka_connect',
        'iceberg.catalog.io-impl': 'org.apache.iceberg.azure.adlsv2.ADLSFileIO',
        'iceberg.control.topic': `lakehouse-iceberg-control-${s.name}`,
        'iceberg.control.commit.interval-ms': String(s.commitIntervalSeconds * 1000),
      });
      expect(Object.keys(c.spec.config).filter((k) => /Access-Delegation|include-credentials/.test(k))).toEqual([]);
    }
  });

  it('lets an idle sink answer commit requests well within its commit interval (put() runs at least once per offset flush)', () => {
    const flushMs = Number(connect.spec.config['offset.flush.interval.ms']);
    const shortestCommitMs = Math.min(...settings.sinks.map((s: any) => (s.commitIntervalSeconds ?? 300) * 1000));
    expect(flushMs).toBeGreaterThan(0);
    expect(flushMs * 2).toBeLessThanOrEqual(shortestCommitMs);
  });

  it('creates Connect topics and control topics before the workers start, idempotently', () => {
    const job = find(result, 'Job', 'lakehouse-connect-topics', 'kafka-connect');
    expect(job.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/sync-wave': '0' });
    expect(Number(connect.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeGreaterThan(0);
    const script = job.spec.template.spec.containers[0].command[2];
    for (const topic of ['lakehouse-connect-configs', 'lakehouse-connect-offsets', 'lakehouse-connect-status', ...settings.sinks.flatMap((s: any) => [`lakehouse-iceberg-control-${s.name}`, `lakehouse-dlq-${s.name}`])]) {
      expect(script).toContain(`--create --if-not-exists --topic ${topic} `);
    }
    expect(script).toMatch(new RegExp(`--topic lakehouse-dlq-${settings.sinks[0].name} --partitions 1 --replication-factor ${settings.replicationFactor ?? 3}( |$)`, 'm'));
    // One command a line after set -eu: the first that fails stops the Job, and a diff shows each topic.
    expect(script.split('\n')[0]).toBe('set -eu');
    expect(script.split('\n').slice(1).filter(Boolean).every((l: string) => l.startsWith('/opt/kafka/bin/kafka-topics.sh '))).toBe(true);
    expect(script).toMatch(/--topic lakehouse-connect-configs --partitions 1 --replication-factor \d --config cleanup.policy=compact/);
  });
});

describe('Kafka Connect refuses what cannot work', () => {
  it.each([
    ['a sink namespace Polaris does not grant', (e: any) => {
      e.components['kafka-connect'].sinks[0].namespace = 'curated';
      e.components['kafka-connect'].sinks[0].table = 'curated.events';
    }, "environments/dev.ts: components.kafka-connect.sinks.0.namespace (\"curated\") must be one of the namespaces Polaris grants kafka-connect (components.polaris.consumers.kafka-connect.namespaces: raw)"],
    ['both a table and a route field', (e: any) => (e.components['kafka-connect'].sinks[0].routeField = 'table'), 'environments/dev.ts: components.kafka-connect.sinks.0.table ("raw.events") must be given, or routeField, not both'],
    ['a topics regex that would also read the dead-letter topic', (e: any) => {
      e.components['kafka-connect'].sinks[0].topics = [];
      e.components['kafka-connect'].sinks[0].topicsRegex = 'lakehouse-.*';
    }, 'environments/dev.ts: components.kafka-connect.sinks.0.topicsRegex ("lakehouse-.*") must not match the sink\'s dead-letter topic lakehouse-dlq-events-to-iceberg'],
    ['no WarpStream', (e: any) => delete e.components.warpstream, 'environments/dev.ts: components.warpstream (missing) must be deployed: Kafka Connect reads and writes its topics there'],
  ])('%s', (_, change, message) => {
    const result = synthVariant('dev', change);
    expect(result.files).toBeUndefined();
    // Flink needs WarpStream too: one run names every component that misses it.
    expect(errorsOf(result)).toContainEqual(expect.stringContaining(message));
    expect(errorsOf(result).every((e) => e.startsWith('environments/dev.ts: components.'))).toBe(true);
  });
});
