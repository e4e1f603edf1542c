import { describe, expect, it } from 'vitest';
import { FLINK } from '../charts/flink';
import { environments } from '../environments';
import { contractViolations, locationsIn } from './contract';
import { envNames, errorsOf, find, objects, readCommittedOutputs, synthOne, synthVariant } from './helpers';

describe.each(envNames)('Flink in %s', (env) => {
  const result = synthOne(env);
  const settings = (environments[env] as any).components.flink;
  const outputs = readCommittedOutputs(env) as any;
  const session = find(result, 'FlinkDeployment', 'flink-session', 'flink');
  const account = outputs.storageAccountName;

  it('runs a session cluster without a job, HA on Kubernetes, state in its own prefixes of the flink container', () => {
    expect(session.spec.job).toBeUndefined();
    expect(session.spec.flinkVersion).toBe('v1_20');
    expect(session.spec.flinkConfiguration).toMatchObject({
      'high-availability.type': 'kubernetes',
      'high-availability.storageDir': `abfss://flink@${account}.dfs.core.windows.net/${env}/session/ha`,
      'execution.checkpointing.dir': `abfss://flink@${account}.dfs.core.windows.net/${env}/session/checkpoints`,
      'execution.checkpointing.savepoint-dir': `abfss://flink@${account}.dfs.core.windows.net/${env}/session/savepoints`,
      'jobmanager.archive.fs.dir': `abfss://flink@${account}.dfs.core.windows.net/${env}/completed-jobs`,
      'taskmanager.numberOfTaskSlots': String(settings.session.taskManager.slots),
    });
    expect(session.spec.taskManager).toMatchObject({ replicas: settings.session.taskManager.replicas, resource: { memory: `${settings.session.taskManager.memoryGiB}Gi` } });
  });

  it('reaches ADLS with the workload identity token provider of the image (auth type Custom)', () => {
    for (const d of objects(result).filter((o) => o.kind === 'FlinkDeployment')) {
      expect(d.spec.flinkConfiguration['fs.azure.account.auth.type']).toBe('Custom');
      expect(d.spec.flinkConfiguration['fs.azure.account.oauth.provider.type']).toBe(FLINK.tokenProvider);
      expect(d.spec.podTemplate.metadata.labels['azure.workload.identity/use']).toBe('true');
      expect(Object.keys(d.spec.flinkConfiguration).filter((k) => /account\.key|sas/i.test(k))).toEqual([]);
    }
  });

  it('gives each workload kind its own identity, granted only the flink container, and every path lies in a grant', () => {
    const identities = result.ledger!.identities.filter((i) => i.name.startsWith('flink-'));
    expect(identities.map((i) => i.name).sort()).toEqual(['flink-session', ...settings.applications.map((a: any) => `flink-${a.name}`)].sort());
    for (const i of identities) expect(i.storage).toEqual([{ container: 'flink', role: 'Storage Blob Data Contributor' }]);
    const paths = objects(result).filter((o) => o.metadata.namespace === 'flink').flatMap((o) => locationsIn(o));
    expect(paths.length).toBeGreaterThan(8);
    expect(contractViolations(objects(result), result.ledger!, outputs)).toEqual([]);
  });

  it('deploys each application from its jar in blob storage, fetched by an init container with the workload identity', () => {
    for (const a of settings.applications) {
      const d = find(result, 'FlinkDeployment', `flink-${a.name}`, 'flink');
      expect(d.spec.job).toMatchObject({ jarURI: 'local:///opt/flink/usrlib/job.jar', entryClass: a.entryClass, parallelism: a.parallelism, upgradeMode: 'savepoint' });
      const init = d.spec.jobManager.podTemplate.spec.initContainers[0];
      expect(init.env).toEqual([{ name: 'JAR_LOCATION', value: `abfss://flink@${account}.dfs.core.windows.net/${a.jar}` }]);
      expect(init.command[2]).toContain('client_assertion@$AZURE_FEDERATED_TOKEN_FILE');
      expect(init.command[2]).not.toMatch(/az login|account-key|sig=/);
      expect(d.spec.flinkConfiguration['execution.checkpointing.externalized-checkpoint-retention']).toBe('RETAIN_ON_CANCELLATION');
      expect(d.spec.flinkConfiguration['execution.checkpointing.dir']).toContain(`/${env}/${a.name}/checkpoints`);
    }
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
});

describe('Flink refuses what cannot work', () => {
  it.each([
    ['an application named session', (e: any) => (e.components.flink.applications[0].name = 'session'), 'environments/dev.ts: components.flink.applications ("session") must have unique names other than session'],
    ['a jar that is not a jar', (e: any) => (e.components.flink.applications[0].jar = 'jobs/orders.zip'), 'environments/dev.ts: components.flink.applications.0.jar ("jobs/orders.zip") must be a path to a .jar'],
  ])('%s', (_, change, message) => {
    const result = synthVariant('dev', change);
    expect(result.files).toBeUndefined();
    expect(errorsOf(result)).toEqual([expect.stringContaining(message)]);
  });
});
