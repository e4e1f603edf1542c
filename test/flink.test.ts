import { describe, expect, it } from 'vitest';
import { FLINK } from '../charts/flink';
import { environments } from '../environments';
import { contractViolations } from './contract';
import { envNames, errorsOf, find, objects, parseYaml, readCommittedOutputs, synthOne, synthVariant } from './helpers';

describe.each(envNames)('Flink in %s', (env) => {
  const result = synthOne(env);
  const settings = (environments[env] as any).components.flink;
  const outputs = readCommittedOutputs(env) as any;
  const session = find(result, 'FlinkDeployment', 'flink-session', 'flink');
  const account = outputs.storageAccountName;

  const abfss = (container: string, path: string) => `abfss://${container}@${account}.dfs.core.windows.net/${path}`;

  it('runs a session cluster without a job, HA on Kubernetes, state in its own container', () => {
    expect(session.spec.job).toBeUndefined();
    expect(session.spec.flinkVersion).toBe('v1_20');
    expect(session.spec.flinkConfiguration).toMatchObject({
      'high-availability.type': 'kubernetes',
      'high-availability.storageDir': abfss('flink-state-session', 'ha'),
      'execution.checkpointing.dir': abfss('flink-state-session', 'checkpoints'),
      'execution.checkpointing.savepoint-dir': abfss('flink-state-session', 'savepoints'),
      'jobmanager.archive.fs.dir': abfss('flink-state-session', 'completed-jobs'),
      'taskmanager.numberOfTaskSlots': String(settings.session.taskManager.slots),
    });
    expect(session.spec.taskManager.resource).toMatchObject({ memory: `${settings.session.taskManager.memoryGiB}Gi` });
  });

  it('keeps the TaskManagers the environment asks for standing (native mode ignores taskManager.replicas)', () => {
    // Operator 1.15.0 FlinkConfigBuilder.applyTaskManagerSpec maps replicas only to the standalone option.
    expect(session.spec.taskManager.replicas).toBeUndefined();
    const { replicas, slots } = settings.session.taskManager;
    expect(session.spec.flinkConfiguration['slotmanager.number-of-slots.min']).toBe(String(replicas * slots));
  });

  it('keeps RocksDB on a disk of its own per TaskManager, sized by the environment', () => {
    for (const d of objects(result).filter((o) => o.kind === 'FlinkDeployment')) {
      const tm = d.metadata.name === 'flink-session' ? settings.session.taskManager : settings.applications.find((a: any) => `flink-${a.name}` === d.metadata.name).taskManager;
      expect(d.spec.flinkConfiguration['state.backend.rocksdb.localdir']).toBe('/opt/flink/local-state/rocksdb');
      const pod = d.spec.taskManager.podTemplate.spec;
      expect(pod.containers[0]).toMatchObject({ name: 'flink-main-container', volumeMounts: [{ name: 'local-state', mountPath: '/opt/flink/local-state' }] });
      expect(pod.volumes[0].ephemeral.volumeClaimTemplate.spec.resources.requests.storage).toBe(`${tm.localStateGiB ?? 10}Gi`);
    }
  });

  it('reaches ADLS with the workload identity token provider of the image (auth type Custom)', () => {
    for (const d of objects(result).filter((o) => o.kind === 'FlinkDeployment')) {
      expect(d.spec.flinkConfiguration['fs.azure.account.auth.type']).toBe('Custom');
      expect(d.spec.flinkConfiguration['fs.azure.account.oauth.provider.type']).toBe(FLINK.tokenProvider);
      expect(d.spec.podTemplate.metadata.labels['azure.workload.identity/use']).toBe('true');
      expect(Object.keys(d.spec.flinkConfiguration).filter((k) => /account\.key|sas/i.test(k))).toEqual([]);
    }
  });

  it('lets no workload write job jars or another cluster’s state; the catalog’s users reach its tables', () => {
    const storage = Object.fromEntries(result.ledger!.identities.filter((i) => i.name.startsWith('flink-')).map((i) => [i.name, i.storage]));
    const tables = { container: 'iceberg', role: 'Storage Blob Data Contributor' };
    const own = (name: string) => ({ container: `flink-state-${name}`, role: 'Storage Blob Data Contributor' });
    expect(storage['flink-session']).toEqual(expect.arrayContaining([own('session'), tables]));
    expect(storage['flink-session']).toHaveLength(2);
    for (const a of settings.applications) {
      const expected = [own(a.name), { container: 'flink-jobs', role: 'Storage Blob Data Reader' }, ...(a.catalog ? [tables] : [])];
      expect(storage[`flink-${a.name}`]).toEqual(expect.arrayContaining(expected));
      expect(storage[`flink-${a.name}`]).toHaveLength(expected.length);
    }
    expect(storage['flink-history-server'].every((g: any) => g.role === 'Storage Blob Data Reader' && g.container.startsWith('flink-state-'))).toBe(true);
    const writers = (container: string) => Object.entries(storage).filter(([, grants]) => (grants as any[]).some((g) => g.container === container && g.role !== 'Storage Blob Data Reader')).map(([n]) => n);
    expect(writers('flink-jobs')).toEqual([]);
    for (const name of ['session', ...settings.applications.map((a: any) => a.name)]) expect(writers(`flink-state-${name}`)).toEqual([`flink-${name}`]);
    expect(contractViolations(objects(result), result.ledger!, outputs)).toEqual([]);
  });

  it('deploys each application from its jar in flink-jobs, fetched by an init container that stops on any failed call', () => {
    for (const a of settings.applications) {
      const d = find(result, 'FlinkDeployment', `flink-${a.name}`, 'flink');
      expect(d.spec.job).toMatchObject({ jarURI: 'local:///opt/flink/usrlib/job.jar', entryClass: a.entryClass, parallelism: a.parallelism, upgradeMode: 'savepoint' });
      const init = d.spec.jobManager.podTemplate.spec.initContainers[0];
      expect(init.env).toEqual([
        { name: 'JAR_LOCATION', value: abfss('flink-jobs', a.jar) },
        { name: 'JAR_FILE', value: '/opt/flink/usrlib/job.jar' },
      ]);
      expect(init.command.slice(0, 2)).toEqual(['bash', '-c']);
      expect(init.command[2]).toMatch(/^set -euo pipefail\n/);
      expect(init.command[2]).toContain('client_assertion@$AZURE_FEDERATED_TOKEN_FILE');
      expect(init.command[2]).not.toMatch(/az login|account-key|sig=/);
      expect(d.spec.flinkConfiguration['execution.checkpointing.externalized-checkpoint-retention']).toBe('RETAIN_ON_CANCELLATION');
      expect(d.spec.flinkConfiguration['execution.checkpointing.dir']).toBe(abfss(`flink-state-${a.name}`, 'checkpoints'));
      // A deleted deployment leaves a savepoint; savepoints leave storage with their history entry.
      expect(d.spec.flinkConfiguration).toMatchObject({ 'kubernetes.operator.job.savepoint-on-deletion': 'true', 'kubernetes.operator.savepoint.dispose-on-delete': 'true' });
    }
  });

  it('gives an application that uses the catalog its own Polaris consumer’s credentials, from Key Vault', () => {
    for (const a of settings.applications.filter((x: any) => x.catalog)) {
      const d = find(result, 'FlinkDeployment', `flink-${a.name}`, 'flink');
      const env = Object.fromEntries(d.spec.podTemplate.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom.secretKeyRef]));
      expect(env).toMatchObject({ POLARIS_CLIENT_ID: { name: `flink-${a.name}-polaris`, key: 'clientId' }, POLARIS_CLIENT_SECRET: { name: `flink-${a.name}-polaris`, key: 'clientSecret' } });
      expect(env.CATALOG).toContain('uri: "http://polaris.polaris.svc:8181/api/catalog"');
      expect(env.CATALOG).toContain(`scope: "PRINCIPAL_ROLE:flink_${a.name}"`);
      expect(env.CATALOG).not.toContain('credential');
      expect(env.KAFKA_BOOTSTRAP_SERVERS).toMatch(/^[a-z.-]+:9092$/);
      const secret = find(result, 'ExternalSecret', `flink-${a.name}-polaris`, 'flink');
      expect(secret.spec.data.map((x: any) => x.remoteRef.key).sort()).toEqual([`polaris-flink-${a.name}-client-id`, `polaris-flink-${a.name}-client-secret`]);
    }
  });

  it('serves the completed jobs every cluster archives', () => {
    const config = parseYaml(find(result, 'ConfigMap', 'flink-history-server', 'flink').data['config.yaml']);
    const archives = objects(result).filter((o) => o.kind === 'FlinkDeployment').map((d) => d.spec.flinkConfiguration['jobmanager.archive.fs.dir']);
    expect(config['historyserver.archive.fs.dir'].split(',').sort()).toEqual(archives.sort());
    const container = find(result, 'Deployment', 'flink-history-server', 'flink').spec.template.spec.containers[0];
    expect(container.env).toEqual([{ name: 'FLINK_CONF_DIR', value: '/opt/flink/history-conf' }]);
  });

  it('binds each Flink service account to the job Role the operator chart creates', () => {
    for (const d of objects(result).filter((o) => o.kind === 'FlinkDeployment')) {
      const binding = find(result, 'RoleBinding', d.metadata.name, 'flink');
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'flink' });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: d.spec.serviceAccount, namespace: 'flink' }]);
    }
  });

  it('serves SQL through the gateway, submitting to the session cluster, with the Polaris catalog for every session', () => {
    const gateway = find(result, 'Deployment', 'flink-sql-gateway', 'flink');
    const container = gateway.spec.template.spec.containers[0];
    expect(container.command[2]).toContain('-Drest.address=flink-session-rest.flink.svc');
    expect(container.command[2]).toContain('-Dtable.catalog-store.kind=file');
    const catalog = container.env.find((e: any) => e.name === 'CATALOG').value;
    expect(catalog).toContain('catalog-type: "rest"');
    expect(catalog).toContain('uri: "http://polaris.polaris.svc:8181/api/catalog"');
    expect(catalog).not.toContain('credential');
    expect(gateway.spec.template.spec.serviceAccountName).toBe(session.spec.serviceAccount);
    expect(gateway.spec.template.spec.volumes.find((v: any) => v.name === 'catalogs').emptyDir.medium).toBe('Memory');
  });

  it('sends the checkpoint interval and retention with every SQL job (Flink 1.20 reads them on the client)', () => {
    const command = find(result, 'Deployment', 'flink-sql-gateway', 'flink').spec.template.spec.containers[0].command[2];
    for (const key of ['execution.checkpointing.interval', 'execution.checkpointing.externalized-checkpoint-retention']) {
      expect(command).toContain(` -D${key}=${session.spec.flinkConfiguration[key]} `);
    }
    expect(command).toContain(`-Dexecution.checkpointing.interval=${settings.session.checkpointIntervalSeconds ?? 60}s`);
    expect(command).toContain('-Denv.java.opts.sql-gateway=-XX:MaxRAMPercentage=70');
  });

  it('keeps a client on the replica that holds its SQL session, and admits only labelled pods of its namespace', () => {
    const service = find(result, 'Service', 'flink-sql-gateway', 'flink');
    expect(service.spec).toMatchObject({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } });
    const policy = find(result, 'NetworkPolicy', 'flink-sql-gateway', 'flink');
    expect(policy.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { 'lakehouse.io/flink-sql-client': 'true' } } }], ports: [{ protocol: 'TCP', port: 8083 }] }]);
  });
});

describe('Flink refuses what cannot work', () => {
  it.each([
    ['an application named session', (e: any) => (e.components.flink.applications[0].name = 'session'), 'environments/dev.ts: components.flink.applications ("session") must have unique names other than session'],
    ['a jar that is not a jar', (e: any) => (e.components.flink.applications[0].jar = 'jobs/orders.zip'), 'environments/dev.ts: components.flink.applications.0.jar ("jobs/orders.zip") must be a path to a .jar'],
    ['an application using the catalog without its own Polaris consumer', (e: any) => delete e.components.polaris.consumers['flink-orders'], 'environments/dev.ts: components.polaris.consumers.flink-orders (missing) must exist'],
  ])('%s', (_, change, message) => {
    const result = synthVariant('dev', change);
    expect(result.files).toBeUndefined();
    expect(errorsOf(result)).toEqual([expect.stringContaining(message)]);
  });
});
