import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { environmentSchema } from '../charts/components';
import { WorkloadIdentity } from '../charts/lib/identity';
import { Platform } from '../charts/lib/platform';
import { environments } from '../environments';
import { contractViolations, locationsIn, podTemplates } from './contract';
import { envNames, objects, readCommittedOutputs, synthOne } from './helpers';

function fixture(env = 'dev') {
  const result = synthOne(env);
  return {
    objects: structuredClone(objects(result)),
    ledger: structuredClone(result.ledger!) as any,
    outputs: structuredClone(readCommittedOutputs(env)) as any,
  };
}

describe.each(envNames)('the contract holds in %s', (env) => {
  const { objects: rendered, ledger, outputs } = fixture(env);

  it('dist/, the ledger and the outputs agree', () => {
    expect(contractViolations(rendered, ledger, outputs)).toEqual([]);
  });

  it('is not vacuous: it sees labelled pods and lake locations', () => {
    expect(podTemplates(rendered).filter((t) => t.labels['azure.workload.identity/use'] === 'true').length).toBeGreaterThan(0);
    expect(rendered.flatMap((o) => locationsIn(o)).length).toBeGreaterThan(0);
  });
});

describe('breaking a link of the chain fails with a message that says what to fix', () => {
  const deployment = (objs: any[]) => objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'warpstream-agent');

  it('an account-scoped role without a data role to limit it', () => {
    const f = fixture();
    f.ledger.identities.find((i: any) => i.name === 'polaris').storage = [];
    expect(contractViolations(f.objects, f.ledger, f.outputs)).toContain(
      'identity polaris holds Storage Blob Delegator at account scope but no data role on any container: the SAS it signs could reach nothing',
    );
  });

  it('an account-scoped role that no pod uses', () => {
    const f = fixture();
    const d = f.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'polaris')!;
    delete d.spec.template.metadata.labels['azure.workload.identity/use'];
    expect(contractViolations(f.objects, f.ledger, f.outputs)).toContain('identity polaris holds Storage Blob Delegator at account scope, but no pod runs as it');
  });

  it('a Key Vault writer that no pod uses', () => {
    const f = fixture();
    const job = f.objects.find((o) => o.kind === 'Job' && o.metadata.name === 'polaris-catalog-creator')!;
    delete job.spec.template.metadata.labels['azure.workload.identity/use'];
    expect(contractViolations(f.objects, f.ledger, f.outputs)).toContain(
      'identity polaris-catalog-creator holds a Key Vault role, but no secret store authenticates as it and no pod of it uses the vault',
    );
  });

  it('a renamed service account', () => {
    const f = fixture();
    deployment(f.objects).spec.template.spec.serviceAccountName = 'kafka';
    expect(contractViolations(f.objects, f.ledger, f.outputs)).toContain(
      'Deployment/warpstream/warpstream-agent is labelled for workload identity but its service account warpstream/kafka is no subject of any ledger identity; grant it through a WorkloadIdentity',
    );
  });

  it('a dropped grant', () => {
    const f = fixture();
    f.ledger.identities.find((i: any) => i.name === 'warpstream-agent').storage = [];
    expect(contractViolations(f.objects, f.ledger, f.outputs)).toContain(
      'ConfigMap/warpstream/warpstream-agent uses azblob://warpstream but identity warpstream-agent holds no grant on container warpstream',
    );
  });

  it('a container that is not granted', () => {
    const f = fixture();
    f.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'warpstream-agent')!.data.WARPSTREAM_BUCKET_URL = 'azblob://iceberg';
    expect(contractViolations(f.objects, f.ledger, f.outputs)).toContain(
      'ConfigMap/warpstream/warpstream-agent uses azblob://iceberg, which no identity of namespace warpstream declares; obtain locations from a grant, never by hand',
    );
  });

  it('a changed client ID', () => {
    const f = fixture();
    f.outputs.identities['warpstream-agent'].clientId = '11111111-1111-4111-8111-111111111111';
    expect(contractViolations(f.objects, f.ledger, f.outputs)).toContainEqual(
      expect.stringMatching(/^service account warpstream\/warpstream-agent has client-id [0-9a-f-]{36} but the outputs give identity warpstream-agent client-id 11111111-1111-4111-8111-111111111111; synth again after deploy$/),
    );
  });

  it('a grant that nothing uses', () => {
    const f = fixture();
    f.ledger.identities.find((i: any) => i.name === 'warpstream-agent').storage.push({ container: 'flink', role: 'Storage Blob Data Reader' });
    expect(contractViolations(f.objects, f.ledger, f.outputs)).toContain(
      'identity warpstream-agent holds Storage Blob Data Reader on container flink, but nothing in its namespaces uses that container; remove the grant',
    );
  });

  it('a write through a read-only grant', () => {
    const f = fixture();
    f.ledger.identities.find((i: any) => i.name === 'warpstream-agent').storage = [{ container: 'warpstream', role: 'Storage Blob Data Reader' }];
    expect(contractViolations(f.objects, f.ledger, f.outputs)).toContain(
      'ConfigMap/warpstream/warpstream-agent writes azblob://warpstream but identity warpstream-agent holds only Storage Blob Data Reader',
    );
  });

  it('a federated subject without its service account', () => {
    const f = fixture();
    f.objects = f.objects.filter((o) => !(o.kind === 'ServiceAccount' && o.metadata.name === 'warpstream-schema-registry'));
    expect(contractViolations(f.objects, f.ledger, f.outputs)).toContain(
      'ledger identity warpstream-schema-registry federates warpstream/warpstream-schema-registry, but dist/ has no such service account',
    );
  });

  it('more than 20 subjects on one identity', () => {
    const f = fixture();
    const id = f.ledger.identities.find((i: any) => i.name === 'warpstream-agent');
    for (let i = 0; i < 20; i++) id.subjects.push({ namespace: 'flink', serviceAccount: `job-${i}` });
    expect(contractViolations(f.objects, f.ledger, f.outputs)).toContain('identity warpstream-agent has 21 federated subjects; Azure allows 20');
  });

  it('a location on another storage account', () => {
    const f = fixture();
    f.objects.push({ kind: 'ConfigMap', metadata: { name: 'x', namespace: 'warpstream' }, data: { dir: 'abfss://warpstream@stother.dfs.core.windows.net/x' } });
    expect(contractViolations(f.objects, f.ledger, f.outputs)).toContain(
      'ConfigMap/warpstream/x uses abfss://warpstream@stother.dfs.core.windows.net/x on account stother, not the environment\'s stlakehousedev01',
    );
  });
});

describe('the model refuses a location its identity cannot use', () => {
  function identity() {
    const env = environmentSchema.parse(environments.dev);
    const platform = new Platform({ env, envFile: 'environments/dev.ts', outputs: readCommittedOutputs('dev') as any, outputsFile: 'environments/dev.azure.json' });
    const chart = new Chart(new App({ outdir: '.build/unused' }), 'test');
    return { platform, identity: new WorkloadIdentity(chart, 'id', platform, { identityName: 'probe', namespace: 'flink' }) };
  }

  it('fails on a location outside every granted container', () => {
    const { platform, identity: probe } = identity();
    platform.lake.container('flink').grantReadWrite(probe);
    expect(() => probe.use(platform.lake.container('iceberg').path('warehouse'), 'read')).toThrowError(
      "[test/id] location abfss://iceberg@stlakehousedev01.dfs.core.windows.net/warehouse is outside every container granted to identity probe (granted: flink); grant it with lake.container('iceberg').grantRead(identity)",
    );
  });

  it('fails on a write through a read grant', () => {
    const { platform, identity: probe } = identity();
    platform.lake.container('iceberg').grantRead(probe);
    expect(() => probe.use(platform.lake.container('iceberg').path('warehouse'), 'readWrite')).toThrowError(
      '[test/id] identity probe needs write access to abfss://iceberg@stlakehousedev01.dfs.core.windows.net/warehouse but holds only Storage Blob Data Reader on container iceberg; use grantReadWrite',
    );
  });

  it('records what a grant hands out, with its access', () => {
    const { platform, identity: probe } = identity();
    const url = platform.lake.container('flink').grantReadWrite(probe).location('checkpoints').abfss();
    expect(url).toBe('abfss://flink@stlakehousedev01.dfs.core.windows.net/checkpoints');
    expect(platform.ledger.toJson().identities[0].locations).toEqual([{ url, container: 'flink', access: 'readWrite' }]);
  });
});
