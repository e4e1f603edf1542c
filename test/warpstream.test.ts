import { describe, expect, it } from 'vitest';
import { warpstreamKeyVaultSecrets } from '../charts/warpstream';
import { environments } from '../environments';
import { envNames, errorsOf, find, objects, readCommittedOutputs, synthOne, synthVariant } from './helpers';

const pools = [
  { name: 'warpstream-agent', port: 9092, portName: 'kafka', secrets: warpstreamKeyVaultSecrets.agent, settings: 'agent' },
  { name: 'warpstream-schema-registry', port: 9094, portName: 'schema-registry', secrets: warpstreamKeyVaultSecrets.schemaRegistry, settings: 'schemaRegistry' },
] as const;

describe.each(envNames)('WarpStream in %s', (env) => {
  const result = synthOne(env);
  const outputs = readCommittedOutputs(env) as any;
  const settings = (environments[env] as any).components.warpstream;

  describe.each(pools)('$name', (pool) => {
    const deployment = find(result, 'Deployment', pool.name, 'warpstream');
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0];
    const config = find(result, 'ConfigMap', pool.name, 'warpstream').data;
    const envVar = (n: string) => container.env.find((e: any) => e.name === n);

    it('runs under its own service account, federated to its own identity', () => {
      expect(pod.metadata.labels['azure.workload.identity/use']).toBe('true');
      expect(pod.spec.serviceAccountName).toBe(pool.name);
      const sa = find(result, 'ServiceAccount', pool.name, 'warpstream');
      expect(sa.metadata.annotations['azure.workload.identity/client-id']).toBe(outputs.identities[pool.name].clientId);
      const identity = result.ledger!.identities.find((i) => i.name === pool.name)!;
      expect(identity.subjects).toEqual([{ namespace: 'warpstream', serviceAccount: pool.name, credentialName: `warpstream-${pool.name}` }]);
      expect(identity.storage).toEqual([{ container: 'warpstream', role: 'Storage Blob Data Contributor' }]);
      expect(identity.storageAccount).toEqual([]);
      expect(identity.keyVault).toEqual([]);
    });

    it('writes to the warpstream container of the environment account, keylessly', () => {
      expect(config.WARPSTREAM_BUCKET_URL).toBe('azblob://warpstream');
      expect(config.AZURE_STORAGE_ACCOUNT).toBe(outputs.storageAccountName);
      expect(config.WARPSTREAM_REGION).toBe(settings.region);
      const names = [...Object.keys(config), ...container.env.map((e: any) => e.name)];
      expect(names.filter((n) => /^AZURE_STORAGE_(KEY|SAS_TOKEN|CONNECTION_STRING)$/.test(n))).toEqual([]);
    });

    it('reads the agent key and virtual cluster ID from Key Vault, never from dist/', () => {
      const es = find(result, 'ExternalSecret', pool.name, 'warpstream');
      expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'azure-key-vault' });
      expect(es.spec.data.map((d: any) => [d.secretKey, d.remoteRef.key])).toEqual([
        ['agent-key', pool.secrets.agentKey],
        ['virtual-cluster-id', pool.secrets.virtualClusterId],
      ]);
      expect(es.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
      expect(envVar('WARPSTREAM_DEFAULT_VIRTUAL_CLUSTER_ID').valueFrom.secretKeyRef).toEqual({ name: pool.name, key: 'virtual-cluster-id' });
      expect(container.args).toEqual(['agent', '-agentKeyPath', '/app/agent-key/agent-key', '-disablePublishMetricsJob']);
      const volume = pod.spec.volumes.find((v: any) => v.name === 'agent-key');
      expect(volume.secret).toMatchObject({ secretName: pool.name, items: [{ key: 'agent-key', path: 'agent-key' }] });
      expect(objects(result).filter((o) => o.kind === 'Secret' && o.metadata.namespace === 'warpstream')).toEqual([]);
    });

    it("publishes the cluster's metrics from one metrics pod, as chart 1.0.82's dedicatedMetricsPod: the agent key only, no bucket, no API token", () => {
      expect(config.WARPSTREAM_ENABLE_PROMETHEUS_METRICS).toBe('true');
      const metrics = find(result, 'Deployment', `${pool.name}-cluster-metrics`, 'warpstream');
      const [c] = metrics.spec.template.spec.containers;
      expect(metrics.spec.replicas).toBe(1);
      expect(c.args).toEqual(['metrics', '-agentKeyPath', '/app/agent-key/agent-key']);
      expect(c.envFrom).toEqual([{ configMapRef: { name: pool.name } }]);
      expect(c.env.find((e: any) => e.name === 'WARPSTREAM_DEFAULT_VIRTUAL_CLUSTER_ID').valueFrom.secretKeyRef).toEqual({ name: pool.name, key: 'virtual-cluster-id' });
      expect(c.image).toBe(settings.image);
      expect(metrics.spec.template.spec.automountServiceAccountToken).toBe(false);
      expect(metrics.spec.template.spec.serviceAccountName).not.toBe(pod.spec.serviceAccountName);
      // Not a workload identity: it reaches no storage.
      expect(metrics.spec.template.metadata.labels['azure.workload.identity/use']).toBeUndefined();
      const monitor = find(result, 'PodMonitor', `${pool.name}-cluster-metrics`, 'warpstream');
      expect(monitor.spec.selector.matchLabels).toEqual(metrics.spec.selector.matchLabels);
    });

    it('uses the pinned image from the environment registry', () => {
      expect(container.image).toBe(settings.image);
      expect(container.image.startsWith(outputs.containerRegistryLoginServer + '/')).toBe(true);
    });

    it('sizes resources from the environment, memory request equal to its limit, GOMAXPROCS from the CPU request', () => {
      const sizing = settings[pool.settings];
      const memory = Number.isInteger(sizing.memoryGiB) ? `${sizing.memoryGiB}Gi` : `${sizing.memoryGiB * 1024}Mi`;
      expect(container.resources.requests.memory).toBe(memory);
      expect(container.resources.limits.memory).toBe(memory);
      const cpu = String(container.resources.requests.cpu);
      expect(cpu.endsWith('m') ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu)).toBe(sizing.cpu);
      expect(envVar('GOMAXPROCS').value).toBe(String(Math.ceil(sizing.cpu)));
    });

    it('is ready on /v1/status as the chart has it, but restarted only when the process stops serving', () => {
      // warpstream-agent chart 1.0.82 templates/deployment.yaml: readiness /v1/status, 30 s delay, every 5 s.
      expect(container.readinessProbe).toEqual({ httpGet: { path: '/v1/status', port: 'http' }, initialDelaySeconds: 30, periodSeconds: 5, failureThreshold: 3 });
      expect(container.livenessProbe.httpGet).toBeUndefined();
      expect(container.livenessProbe.tcpSocket).toEqual({ port: 'http' });
      expect(container.livenessProbe.initialDelaySeconds).toBe(30);
      expect(container.livenessProbe.periodSeconds * container.livenessProbe.failureThreshold).toBeGreaterThanOrEqual(60);
    });

    it('exposes the HTTP and client ports', () => {
      expect(container.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['http', 8080], [pool.portName, pool.port]]);
      const service = find(result, 'Service', pool.name, 'warpstream');
      expect(service.spec.ports.map((p: any) => p.port).sort()).toEqual([8080, pool.port].sort());
      expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    });

    it('drains before it is killed: grace period at least a minute longer than the drain', () => {
      const drain = Number(config.WARPSTREAM_GRACEFUL_SHUTDOWN_DURATION.replace(/s$/, ''));
      expect(drain).toBe(settings.gracefulShutdownSeconds ?? 300);
      expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(drain + 60);
      // Chart 1.0.82 values.yaml: 600 s of grace for its 300 s default drain.
      expect(pod.spec.terminationGracePeriodSeconds).toBe(drain + 300);
    });

    it('may read its pod and node to learn its zone, as the chart grants (zone-aware routing)', () => {
      expect(pod.spec.automountServiceAccountToken).toBe(true);
      const sa = pod.spec.serviceAccountName;
      const role = find(result, 'Role', `${pool.name}-pods`, 'warpstream');
      expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
      const clusterRole = find(result, 'ClusterRole', `${pool.name}-nodes`);
      expect(clusterRole.rules).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }]);
      for (const [kind, name, ns] of [['RoleBinding', `${pool.name}-pods`, 'warpstream'], ['ClusterRoleBinding', `${pool.name}-nodes`, undefined]] as const) {
        const binding = find(result, kind, name, ns);
        expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: 'warpstream' }]);
      }
    });

    it('is scaled by its HPA within a PDB the HPA floor can honour', () => {
      expect(deployment.spec.replicas).toBeUndefined();
      const hpa = find(result, 'HorizontalPodAutoscaler', pool.name, 'warpstream');
      const sizing = settings[pool.settings];
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: pool.name });
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([sizing.minReplicas, sizing.maxReplicas]);
      const pdb = find(result, 'PodDisruptionBudget', pool.name, 'warpstream');
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    });

    it('spreads across zones and runs restricted', () => {
      expect(pod.spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toContain('topology.kubernetes.io/zone');
      expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    });

    it('admits clients only from the platform namespaces, on the client port', () => {
      const policy = find(result, 'NetworkPolicy', pool.name, 'warpstream');
      const clients = policy.spec.ingress.find((r: any) => r.ports[0].port === pool.port);
      expect(clients.from[0].namespaceSelector.matchExpressions[0].values).toEqual(['flink', 'kafka-connect', 'polaris', 'trino', 'warpstream']);
      expect(policy.spec.ingress.flatMap((r: any) => r.ports.map((p: any) => p.port)).sort()).toEqual([8080, pool.port].sort());
    });

    it('rolls the pods when the configuration changes', () => {
      const changed = synthVariant(env, (e) => (e.components.warpstream.region = 'us-east-2'));
      const before = pod.metadata.annotations['checksum/config'];
      const after = changed.files!.find((f) => f.path === `warpstream/deployment-${pool.name}.yaml`)!.object.spec.template.metadata.annotations['checksum/config'];
      expect(before).toMatch(/^[0-9a-f]{64}$/);
      expect(after).not.toBe(before);
    });
  });
});

describe('WarpStream production guard', () => {
  it('holds prod to WarpStream production sizing', () => {
    const prod = (environments.prod as any).components.warpstream;
    expect(prod.enforceProductionResources).toBe(true);
    expect(prod.agent.cpu).toBeGreaterThanOrEqual(4);
    expect(prod.agent.minReplicas).toBeGreaterThanOrEqual(3);
    expect((environments.dev as any).components.warpstream.enforceProductionResources).toBe(false);
  });

  it.each([
    ['less than 4 GiB per vCPU', (e: any) => (e.components.warpstream.agent.memoryGiB = 8),
      'environments/prod.ts: components.warpstream.agent.memoryGiB (8) must be at least 4 GiB per vCPU (16) when enforceProductionResources is on'],
    ['a fraction of a vCPU', (e: any) => (e.components.warpstream.schemaRegistry.cpu = 1.5),
      'environments/prod.ts: components.warpstream.schemaRegistry.cpu (1.5) must be a whole number of vCPUs when enforceProductionResources is on'],
    ['an image outside the environment registry', (e: any) => (e.components.warpstream.image = 'docker.io/warpstreamlabs/warpstream_agent:v833'),
      "environments/prod.ts: components.warpstream.image (\"docker.io/warpstreamlabs/warpstream_agent:v833\") must come from the environment's registry crlakehouseprod01.azurecr.io/"],
    ['an unpinned image', (e: any) => (e.components.warpstream.image = 'crlakehouseprod01.azurecr.io/warpstream/warpstream_agent'),
      'environments/prod.ts: components.warpstream.image ("crlakehouseprod01.azurecr.io/warpstream/warpstream_agent") must be a fully qualified image reference pinned to a digest (registry/repo@sha256:...) or a tag other than latest'],
    ['the latest tag', (e: any) => (e.components.warpstream.image = 'crlakehouseprod01.azurecr.io/warpstream/warpstream_agent:latest'),
      'environments/prod.ts: components.warpstream.image ("crlakehouseprod01.azurecr.io/warpstream/warpstream_agent:latest") must be a fully qualified image reference pinned to a digest'],
    ['a tiny memory size', (e: any) => (e.components.warpstream.schemaRegistry.memoryGiB = 1e-7),
      'environments/prod.ts: components.warpstream.schemaRegistry.memoryGiB (1e-7) must be >= 0.5 (GiB)'],
    ['a huge memory size', (e: any) => (e.components.warpstream.agent.memoryGiB = 1e300),
      'environments/prod.ts: components.warpstream.agent.memoryGiB (1e+300) must be <= 512 (GiB)'],
    ['a huge replica count', (e: any) => (e.components.warpstream.agent.maxReplicas = 1e20),
      'environments/prod.ts: components.warpstream.agent.maxReplicas (100000000000000000000) must be <= 120'],
    ['fewer maximum than minimum replicas', (e: any) => (e.components.warpstream.agent.maxReplicas = 2),
      'environments/prod.ts: components.warpstream.agent.maxReplicas (2) must be >= agent.minReplicas (3)'],
    ['a malformed region', (e: any) => (e.components.warpstream.region = 'Europe'),
      'environments/prod.ts: components.warpstream.region ("Europe") must be a WarpStream control plane region such as eu-central-1'],
  ])('fails on %s', (_, change, message) => {
    const result = synthVariant('prod', change);
    expect(result.files).toBeUndefined();
    expect(errorsOf(result)).toEqual([expect.stringContaining(message)]);
  });

  it('accepts an image pinned by digest, and renders fractional sizes as whole Mi and millicores', () => {
    const digest = `crlakehousedev01.azurecr.io/warpstream/warpstream_agent@sha256:${'a'.repeat(64)}`;
    const result = synthVariant('dev', (e) => {
      e.components.warpstream.image = digest;
      e.components.warpstream.schemaRegistry.memoryGiB = 1.5;
      e.components.warpstream.schemaRegistry.cpu = 0.25;
    });
    const pod = find(result, 'Deployment', 'warpstream-schema-registry', 'warpstream').spec.template.spec;
    expect(pod.containers[0].image).toBe(digest);
    expect(pod.containers[0].resources.requests).toMatchObject({ cpu: '250m', memory: '1536Mi' });
  });

  it('leaves the schema registry out, and its identity, when it is switched off', () => {
    const result = synthVariant('dev', (e) => (e.components.warpstream.schemaRegistry.enabled = false));
    expect(result.files!.some((f) => f.path.includes('schema-registry'))).toBe(false);
    expect(result.ledger!.identities.map((i) => i.name)).not.toContain('warpstream-schema-registry');
  });
});
