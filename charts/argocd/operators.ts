import type { BaseEnvironment } from '../lib/environment';
import { operatorNamespaces, workloadNamespaces } from '../lib/namespaces';
import { syncWaves } from '../lib/sync-waves';

/** A third-party operator installed from its upstream Helm chart at a pinned version. */
export interface HelmOperator {
  /** Application name suffix and Helm release name. */
  readonly name: string;
  readonly namespace: string;
  /** Helm repository URL, or an `oci://` chart reference (then `chart` is empty). */
  readonly repoURL: string;
  readonly chart?: string;
  readonly version: string;
  readonly syncWave: number;
  /** Pod Security Standard the namespace enforces; the charts' own pods decide what they can meet. */
  readonly podSecurity: 'restricted' | 'baseline';
  values(env: BaseEnvironment): Record<string, unknown>;
  /** Fields the operator (or cert-manager's CA injector) writes after sync. */
  readonly ignoreDifferences?: { group: string; kind: string; jqPathExpressions: string[] }[];
}

const replicas = (env: BaseEnvironment) => (env.operators.highAvailability ? 2 : 1);

const webhookCaBundle = [
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
];

export const helmOperators: readonly HelmOperator[] = [
  {
    // Needed by the Flink operator's admission webhook (its chart issues the webhook certificate with cert-manager).
    name: 'cert-manager',
    namespace: operatorNamespaces.certManager,
    repoURL: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    version: 'v1.19.2',
    syncWave: syncWaves.certManager,
    podSecurity: 'restricted',
    values: (env) => ({
      crds: { enabled: true, keep: true },
      // The default leader-election namespace is kube-system; keep cert-manager inside its own.
      global: { leaderElection: { namespace: operatorNamespaces.certManager } },
      replicaCount: replicas(env),
      webhook: { replicaCount: replicas(env) },
      cainjector: { replicaCount: replicas(env) },
      podDisruptionBudget: { enabled: env.operators.highAvailability },
    }),
    ignoreDifferences: webhookCaBundle,
  },
  {
    name: 'external-secrets',
    namespace: operatorNamespaces.externalSecrets,
    repoURL: 'https://charts.external-secrets.io',
    chart: 'external-secrets',
    version: '2.9.0',
    syncWave: syncWaves.operators,
    podSecurity: 'restricted',
    values: (env) => ({
      installCRDs: true,
      replicaCount: replicas(env),
      leaderElect: env.operators.highAvailability,
      podDisruptionBudget: { enabled: env.operators.highAvailability, minAvailable: 1 },
      webhook: { replicaCount: replicas(env) },
      certController: { replicaCount: replicas(env) },
    }),
    // ESO's cert-controller writes the CA bundle into its webhooks and CRD conversion config.
    ignoreDifferences: [
      ...webhookCaBundle,
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', jqPathExpressions: ['.spec.conversion.webhook.clientConfig.caBundle'] },
    ],
  },
  {
    name: 'flink-kubernetes-operator',
    namespace: operatorNamespaces.flinkOperator,
    // archive.apache.org keeps every release; downloads.apache.org drops superseded ones.
    repoURL: 'https://archive.apache.org/dist/flink/flink-kubernetes-operator-1.15.0/',
    chart: 'flink-kubernetes-operator',
    version: '1.15.0',
    syncWave: syncWaves.operators,
    // The chart's pod security context sets a user but not seccomp or dropped capabilities.
    podSecurity: 'baseline',
    values: () => ({
      watchNamespaces: [workloadNamespaces.flink],
      webhook: { create: true },
      // One replica: more need operator leader election, which the chart leaves off.
      replicas: 1,
    }),
    ignoreDifferences: webhookCaBundle,
  },
  {
    name: 'strimzi-kafka-operator',
    namespace: operatorNamespaces.strimzi,
    // Strimzi publishes its chart to an OCI registry; Argo CD 3.1+ reads oci:// sources natively.
    repoURL: 'oci://quay.io/strimzi-helm/strimzi-kafka-operator',
    version: '1.2.0',
    syncWave: syncWaves.operators,
    podSecurity: 'restricted',
    values: (env) => ({
      watchNamespaces: [workloadNamespaces.kafkaConnect],
      replicas: replicas(env),
    }),
    // The API server drops `deprecated: false` from CRD versions, so Argo CD would report
    // Strimzi's CRDs OutOfSync forever (strimzi-kafka-operator #12058).
    ignoreDifferences: [
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', jqPathExpressions: ['.spec.versions[]?.deprecated'] },
    ],
  },
];
