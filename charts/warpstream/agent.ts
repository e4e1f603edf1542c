import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { exposeMetrics } from '../lib/monitoring';
import { recommendedLabels, selectorLabels } from '../lib/chart';
import { WorkloadIdentity } from '../lib/identity';
import type { Platform } from '../lib/platform';
import { KeyVaultSecret } from '../lib/secrets';
import { WarpstreamMetricsPod } from './metrics-pod';
import { checksum, quantityCpu, quantityGiB, restrictedContainer, spreadAcrossZones } from '../lib/workload';

/** Where the agent key file is mounted (warpstream-agent chart 1.0.82 mounts it under /app/agent-key and passes -agentKeyPath). */
const AGENT_KEY_DIR = '/app/agent-key';

/** Ports of the agent (warpstreamlabs/charts warpstream-agent: containerPortKafka/HTTP/SchemaRegistry). */
export const WARPSTREAM_PORTS = { kafka: 9092, http: 8080, schemaRegistry: 9094 } as const;

export interface WarpstreamAgentProps {
  /** Name of the workload, its service account and its ledger identity. */
  readonly name: string;
  readonly namespace: string;
  /** `agent` (Kafka) or `schema-registry`. */
  readonly role: 'agent' | 'schema-registry';
  readonly image: string;
  readonly region: string;
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly gracefulShutdownSeconds: number;
  /** Key Vault secrets holding this pool's agent key and virtual cluster ID. */
  readonly keyVaultSecrets: { readonly agentKey: string; readonly virtualClusterId: string };
  /** Namespaces whose pods may reach the client port. */
  readonly clientNamespaces: readonly string[];
  /**
   * Seconds added to the drain time for the pod's termination grace period; at least 60
   * (chart: "at minimum 1 minute longer" than the drain).
   * @default 300 - the chart's 600 s grace for its 300 s default drain
   */
  readonly shutdownMarginSeconds?: number;
}

/**
 * One pool of WarpStream agents, run as the upstream chart and docs recommend, adapted:
 * keyless access to the `warpstream` container through a workload identity, agent key and
 * virtual cluster ID from Key Vault, restricted security context, probes on /v1/status,
 * zone spread, graceful drain, PDB, HPA and a NetworkPolicy.
 */
export class WarpstreamAgent extends Construct {
  readonly identity: WorkloadIdentity;
  readonly serviceName: string;
  readonly clientPort: number;
  readonly terminationGracePeriodSeconds: number;

  constructor(scope: Construct, id: string, platform: Platform, props: WarpstreamAgentProps) {
    super(scope, id);
    const { name, namespace } = props;
    const version = props.image.split(/[:@]/).pop();
    const labels = recommendedLabels(name, props.role === 'agent' ? 'kafka' : 'schema-registry', version);
    const selector = selectorLabels(name);
    this.clientPort = props.role === 'agent' ? WARPSTREAM_PORTS.kafka : WARPSTREAM_PORTS.schemaRegistry;
    this.serviceName = name;
    // warpstream-agent chart 1.0.82 values.yaml: terminationGracePeriodSeconds 600 for a 300 s drain.
    const margin = props.shutdownMarginSeconds ?? 300;
    if (margin < 60) throw new Error(`[${this.node.path}] shutdownMarginSeconds (${margin}) must be >= 60: the grace period must outlast the drain by a minute`);
    this.terminationGracePeriodSeconds = props.gracefulShutdownSeconds + margin;

    this.identity = new WorkloadIdentity(this, 'identity', platform, { identityName: name, namespace, labels });
    const bucket = platform.lake.container('warpstream').grantReadWrite(this.identity);

    const secret = new KeyVaultSecret(this, 'secret', {
      namespace,
      secretName: name,
      labels,
      keys: { 'agent-key': props.keyVaultSecrets.agentKey, 'virtual-cluster-id': props.keyVaultSecrets.virtualClusterId },
    });

    const config: Record<string, string> = {
      WARPSTREAM_BUCKET_URL: bucket.location().azblob(),
      WARPSTREAM_REGION: props.region,
      WARPSTREAM_GRACEFUL_SHUTDOWN_DURATION: `${props.gracefulShutdownSeconds}s`,
      // The chart's prometheusEnabled (on by default): metrics on /metrics of the HTTP port.
      WARPSTREAM_ENABLE_PROMETHEUS_METRICS: 'true',
      // Account for the Go Azure SDK; with no key or SAS set, credentials come from the
      // workload identity the webhook injects (AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE).
      AZURE_STORAGE_ACCOUNT: platform.lake.accountName,
    };
    new k8s.KubeConfigMap(this, 'config', { metadata: { name, namespace, labels }, data: config });

    const ports = [
      { name: 'http', containerPort: WARPSTREAM_PORTS.http, protocol: 'TCP' },
      props.role === 'agent'
        ? { name: 'kafka', containerPort: WARPSTREAM_PORTS.kafka, protocol: 'TCP' }
        : { name: 'schema-registry', containerPort: WARPSTREAM_PORTS.schemaRegistry, protocol: 'TCP' },
    ];
    const memory = quantityGiB(props.memoryGiB);
    // Readiness as the chart 1.0.82 has it: /v1/status, 30 s initial delay, every 5 s.
    const readinessProbe = {
      httpGet: { path: '/v1/status', port: k8s.IntOrString.fromString('http') },
      initialDelaySeconds: 30,
      periodSeconds: 5,
      failureThreshold: 3,
    };
    // Liveness differs from the chart on purpose: /v1/status answers for the agent's health,
    // including its reach to the control plane and the bucket, so a liveness check on it
    // restarts every agent at once during a control-plane or storage blip and turns a
    // degraded cluster into a down one. Liveness asks only whether the process still serves
    // HTTP, and gives it a minute before a restart.
    const livenessProbe = {
      tcpSocket: { port: k8s.IntOrString.fromString('http') },
      initialDelaySeconds: 30,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 6,
    };

    new k8s.KubeDeployment(this, 'Resource', {
      metadata: {
        name,
        namespace,
        labels,
        annotations: {
          // checkov reads per-resource skips from annotations.
          'checkov.io/skip1': 'CKV_K8S_35=the virtual cluster ID is an identifier, not a credential; the agent key is a file',
          'checkov.io/skip2': 'CKV_K8S_38=the agent reads its pod and node through the API to learn its zone (chart 1.0.82 RBAC)',
        },
      },
      spec: {
        // Replicas are the HPA's to set; a value here would fight it on every sync.
        revisionHistoryLimit: 10,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: {
            labels: { ...labels, ...WorkloadIdentity.podLabels },
            annotations: { 'checksum/config': checksum(config) },
          },
          spec: {
            serviceAccountName: this.identity.serviceAccountName,
            // The agent reads its pod and node to learn its availability zone and routes clients
            // to agents in their own zone; without the token that silently turns off and
            // cross-zone traffic is billed (chart 1.0.82 serviceAccount.automountServiceAccountToken: true).
            automountServiceAccountToken: true,
            terminationGracePeriodSeconds: this.terminationGracePeriodSeconds,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              fsGroup: 65532,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            topologySpreadConstraints: spreadAcrossZones(selector),
            containers: [
              {
                name: 'warpstream',
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                // The pool's metrics pod publishes the cluster's metrics (chart: -disablePublishMetricsJob with dedicatedMetricsPod).
                args: ['agent', '-agentKeyPath', `${AGENT_KEY_DIR}/agent-key`, '-disablePublishMetricsJob'],
                envFrom: [{ configMapRef: { name } }],
                env: [
                  { name: 'WARPSTREAM_DEFAULT_VIRTUAL_CLUSTER_ID', valueFrom: { secretKeyRef: { name: secret.secretName, key: 'virtual-cluster-id' } } },
                  { name: 'GOMAXPROCS', value: String(Math.ceil(props.cpu)) },
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                ],
                ports,
                readinessProbe,
                livenessProbe,
                resources: {
                  requests: {
                    cpu: k8s.Quantity.fromString(quantityCpu(props.cpu)),
                    memory: k8s.Quantity.fromString(memory),
                    'ephemeral-storage': k8s.Quantity.fromString('100Mi'),
                  },
                  limits: { memory: k8s.Quantity.fromString(memory) },
                },
                securityContext: restrictedContainer,
                volumeMounts: [
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'agent-key', mountPath: AGENT_KEY_DIR, readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
              { name: 'agent-key', secret: { secretName: secret.secretName, items: [{ key: 'agent-key', path: 'agent-key' }], defaultMode: 0o440 } },
            ],
          },
        },
      },
    });

    this.grantZoneDiscovery(name, namespace, labels);

    new k8s.KubeService(this, 'service', {
      metadata: { name, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: ports.map((p) => ({ name: p.name, port: p.containerPort, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP' })),
      },
    });

    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: { name, namespace, labels },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
    });

    // Upstream chart defaults: CPU 60 %, slow scale-down, bounded scale-up.
    new k8s.KubeHorizontalPodAutoscalerV2(this, 'hpa', {
      metadata: { name, namespace, labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: props.minReplicas,
        maxReplicas: props.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
        behavior: {
          scaleDown: { stabilizationWindowSeconds: 1800, policies: [{ type: 'Pods', value: 1, periodSeconds: 900 }] },
          scaleUp: {
            stabilizationWindowSeconds: 0,
            selectPolicy: 'Max',
            policies: [
              { type: 'Percent', value: 50, periodSeconds: 300 },
              { type: 'Pods', value: 3, periodSeconds: 300 },
            ],
          },
        },
      },
    });

    const namespaces = (names: readonly string[]) => ({
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...names].sort() }] },
    });
    new k8s.KubeNetworkPolicy(this, 'network-policy', {
      metadata: { name, namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          // Clients of the platform only.
          { from: [namespaces(props.clientNamespaces)], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(this.clientPort) }] },
          // Agents of the pool talk to each other over HTTP (distributed file cache); probes come from the node.
          { from: [{ podSelector: { matchLabels: selector } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(WARPSTREAM_PORTS.http) }] },
        ],
        egress: [
          { to: [namespaces(['kube-system'])], ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }] },
          { to: [{ podSelector: { matchLabels: selector } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(WARPSTREAM_PORTS.http) }] },
          // Azure Storage, Microsoft Entra ID (token exchange) and the WarpStream control plane, all HTTPS.
          { ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(443) }] },
        ],
      },
    });
    // The agent serves Prometheus metrics on its HTTP port at /metrics (WarpStream docs, "Monitoring").
    exposeMetrics(this, { name, namespace, labels, selector, port: WARPSTREAM_PORTS.http });
    new WarpstreamMetricsPod(this, 'metrics-pod', {
      pool: name,
      namespace,
      image: props.image,
      configMap: name,
      config,
      secretName: secret.secretName,
      agentKeyPath: { dir: AGENT_KEY_DIR, file: 'agent-key' },
      httpPort: WARPSTREAM_PORTS.http,
    });
  }

  /**
   * Read access to pods in the namespace and to nodes, as chart 1.0.82 grants it
   * (templates/role.yaml, clusterrole.yaml): the agent reads the node it runs on for its
   * `topology.kubernetes.io/zone`.
   */
  private grantZoneDiscovery(name: string, namespace: string, labels: Record<string, string>): void {
    const read = ['get', 'list', 'watch'];
    const subjects = [{ kind: 'ServiceAccount', name: this.identity.serviceAccountName, namespace }];
    new k8s.KubeRole(this, 'pod-reader', {
      metadata: { name: `${name}-pods`, namespace, labels },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: read }],
    });
    new k8s.KubeRoleBinding(this, 'pod-reader-binding', {
      metadata: { name: `${name}-pods`, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-pods` },
      subjects,
    });
    new k8s.KubeClusterRole(this, 'node-reader', {
      metadata: { name: `${name}-nodes`, labels },
      rules: [{ apiGroups: [''], resources: ['nodes'], verbs: read }],
    });
    new k8s.KubeClusterRoleBinding(this, 'node-reader-binding', {
      metadata: { name: `${name}-nodes`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${name}-nodes` },
      subjects,
    });
  }
}
