import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { helmOperators } from '../charts/argocd/operators';
import { workloadNamespaces } from '../charts/lib/namespaces';
import { syncWaves } from '../charts/lib/sync-waves';
import { envNames, find, objects, readCommittedOutputs, root, synthOne } from './helpers';

describe.each(envNames)('environment %s', (name) => {
  const result = synthOne(name);
  const outputs = readCommittedOutputs(name) as any;

  it('labels every object with the recommended labels', () => {
    for (const o of objects(result)) {
      const labels = o.metadata.labels ?? {};
      expect(labels, `${o.kind}/${o.metadata.name}`).toMatchObject({
        'app.kubernetes.io/part-of': 'aks-lakehouse',
        'app.kubernetes.io/managed-by': 'cdk8s',
        'aks-lakehouse/environment': name,
      });
      expect(labels['app.kubernetes.io/name'], `${o.kind}/${o.metadata.name}`).toBeTruthy();
    }
  });

  it('names objects without cdk8s hashes', () => {
    for (const o of objects(result)) expect(o.metadata.name).not.toMatch(/-[0-9a-f]{8}$/);
  });

  it('creates every workload namespace with the restricted pod security standard', () => {
    for (const ns of Object.values(workloadNamespaces)) {
      const labels = find(result, 'Namespace', ns).metadata.labels;
      expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    }
  });

  it('points the Key Vault store at the environment vault through the federated service account', () => {
    const store = find(result, 'ClusterSecretStore', 'azure-key-vault');
    const kv = store.spec.provider.azurekv;
    expect(kv.authType).toBe('WorkloadIdentity');
    expect(kv.vaultUrl).toBe(outputs.keyVaultUri);
    // The tenant comes from the service account annotation alone (see eso-workload-identity.test.ts).
    expect(kv.tenantId).toBeUndefined();
    const sa = find(result, 'ServiceAccount', kv.serviceAccountRef.name, kv.serviceAccountRef.namespace);
    expect(sa.metadata.annotations['azure.workload.identity/client-id']).toBe(outputs.identities['external-secrets'].clientId);
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(store.spec.conditions[0].namespaces).toEqual(Object.values(workloadNamespaces).sort());
  });

  it('records the store identity with Key Vault Secrets User and its one subject in the ledger', () => {
    const identity = result.ledger!.identities.find((i) => i.name === 'external-secrets')!;
    expect(identity.keyVault).toEqual([{ role: 'Key Vault Secrets User' }]);
    expect(identity.subjects).toEqual([{ namespace: 'external-secrets', serviceAccount: 'azure-key-vault-reader', credentialName: 'external-secrets-azure-key-vault-reader' }]);
    expect(identity.storage).toEqual([]);
  });

  describe('Argo CD', () => {
    const apps = objects(result).filter((o) => o.kind === 'Application');
    const byName = (n: string) => apps.find((a) => a.metadata.name === `${name}-${n}`)!;
    const dirs = readdirSync(`${root}/dist/${name}`, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

    it('has one Application per component directory, syncing exactly that directory', () => {
      const componentApps = apps.filter((a) => a.spec.source.path?.startsWith('dist/') && a.metadata.name !== `${name}-root`);
      expect(componentApps.map((a) => a.spec.source.path).sort()).toEqual(dirs.filter((d) => d !== 'argocd').map((d) => `dist/${name}/${d}`));
      for (const a of componentApps) expect(a.spec.project).toBe(`${name}-lakehouse`);
    });

    it('roots the app-of-apps at its own directory under the bootstrap project', () => {
      const rootApp = byName('root');
      expect(rootApp.spec.source.path).toBe(`dist/${name}/argocd`);
      expect(rootApp.spec.project).toBe(`${name}-bootstrap`);
      const project = find(result, 'AppProject', `${name}-bootstrap`);
      expect(project.spec.clusterResourceWhitelist).toEqual([]);
      expect(project.spec.namespaceResourceWhitelist.map((k: any) => k.kind).sort()).toEqual(['AppProject', 'Application']);
    });

    it('syncs the AppProjects before any Application, in the earliest wave', () => {
      const wave = (o: any) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
      const projects = objects(result).filter((o) => o.kind === 'AppProject');
      expect(projects.length).toBe(3);
      const earliestApp = Math.min(...apps.map(wave));
      for (const p of projects) expect(wave(p), p.metadata.name).toBeLessThan(earliestApp);
    });

    it('orders namespaces, then cert-manager, then operators, then the secret store', () => {
      const wave = (n: string) => Number(byName(n).metadata.annotations['argocd.argoproj.io/sync-wave']);
      expect(wave('namespaces')).toBe(syncWaves.namespaces);
      expect(wave('cert-manager')).toBeLessThan(wave('flink-kubernetes-operator'));
      expect(wave('namespaces')).toBeLessThan(wave('strimzi-kafka-operator'));
      expect(wave('external-secrets')).toBeLessThan(wave('secret-store'));
    });

    it('syncs each component after the components whose handles it uses, so their first sync (hooks included) is done', () => {
      const wave = (n: string) => Number(byName(n).metadata.annotations['argocd.argoproj.io/sync-wave']);
      const present = (n: string) => apps.some((a) => a.metadata.name === `${name}-${n}`);
      // Polaris's PostSync creator writes the catalog credentials these read; WarpStream serves the topics Connect's hook creates.
      for (const consumer of ['trino', 'kafka-connect', 'flink'].filter(present)) expect(wave(consumer), consumer).toBeGreaterThan(wave('polaris'));
      if (present('kafka-connect')) expect(wave('kafka-connect')).toBeGreaterThan(wave('warpstream'));
      expect(wave('polaris')).toBeGreaterThan(wave('secret-store'));
    });

    it('installs every operator from its pinned chart with server-side apply', () => {
      for (const op of helmOperators) {
        const app = byName(op.name);
        expect(app.spec.source.targetRevision).toBe(op.version);
        expect(app.spec.source.repoURL).toBe(op.repoURL);
        expect(app.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
        expect(app.spec.destination.namespace).toBe(op.namespace);
      }
      expect(byName('strimzi-kafka-operator').spec.source.helm.valuesObject.watchNamespaces).toEqual(['kafka-connect']);
      expect(byName('flink-kubernetes-operator').spec.source.helm.valuesObject.watchNamespaces).toEqual(['flink']);
    });

    it('cascades deletion only from component Applications, never from the root or an operator', () => {
      for (const a of apps) {
        const finalizers = a.metadata.finalizers ?? [];
        // Domain-qualified (Argo CD v3.5.1 ForegroundPropagationPolicyFinalizer); the bare form makes the API server warn.
        expect(finalizers.every((f: string) => f === 'resources-finalizer.argocd.argoproj.io/foreground'), a.metadata.name).toBe(true);
        expect(finalizers.length > 0, a.metadata.name).toBe(a.spec.project === `${name}-lakehouse`);
      }
    });

    it('lets the lakehouse project create, at cluster scope, exactly the cluster objects of its directories, by name', () => {
      const project = find(result, 'AppProject', `${name}-lakehouse`);
      const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
      const rendered = objects(result)
        .filter((o) => !o.metadata.namespace && !['argocd'].includes(result.files!.find((f) => f.object === o)!.path.split('/')[0]))
        .map((o) => `${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.name}`)
        .sort();
      expect(project.spec.clusterResourceWhitelist.map((k: any) => `${k.group}/${k.kind}/${k.name}`).sort()).toEqual(rendered);
      expect(project.spec.clusterResourceWhitelist.every((k: any) => k.name && !k.name.includes('*'))).toBe(true);
      expect(project.spec.sourceRepos).toEqual([find(result, 'Application', `${name}-root`).spec.source.repoURL]);
    });
  });
});

describe('dev and prod differ the way real environments do', () => {
  const dev = synthOne('dev');
  const prod = synthOne('prod');
  const values = (r: typeof dev, env: string, op: string) => find(r, 'Application', `${env}-${op}`).spec.source.helm.valuesObject;

  it('runs operators highly available only in prod', () => {
    expect(values(dev, 'dev', 'external-secrets').replicaCount).toBe(1);
    expect(values(prod, 'prod', 'external-secrets')).toMatchObject({ replicaCount: 2, leaderElect: true, podDisruptionBudget: { enabled: true } });
    expect(values(prod, 'prod', 'cert-manager').replicaCount).toBe(2);
  });

  it('locks and keeps prod data longer, behind private endpoints', () => {
    expect(prod.bicepParams).toMatch(/deleteLock: true/);
    expect(dev.bicepParams).toMatch(/deleteLock: false/);
    expect(prod.bicepParams).toMatch(/publicNetworkAccess: 'Disabled'/);
    expect(prod.bicepParams).toMatch(/blobSoftDeleteDays: 30/);
  });
});

/**
 * What each example environment consists of: every object, the images its pods run, and what
 * each identity may touch. Not the full manifests: those are dist/, which CI compares with a
 * fresh synth. A change here is a change in what is deployed or who may do what; update with
 * `npx vitest run -u test/platform.test.ts` when it is meant (docs/testing.md, "What npm test checks").
 */
const EXAMPLE_ENVIRONMENTS = ['dev', 'prod'];

function inventory(name: string) {
  const result = synthOne(name);
  const images = (o: any) => {
    const spec = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
    return spec ? [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c: any) => c.image) : undefined;
  };
  return {
    objects: result.files!.map((f) => [f.path, images(f.object)].filter(Boolean).join(' ')),
    ledger: result.ledger,
  };
}

describe('snapshots of the example environments', () => {
  it('covers exactly the committed example environments', () => {
    expect(EXAMPLE_ENVIRONMENTS.every((e) => envNames.includes(e))).toBe(true);
  });

  it.each(EXAMPLE_ENVIRONMENTS)('%s consists of what was recorded', (name) => {
    expect(inventory(name)).toMatchSnapshot();
  });
});
