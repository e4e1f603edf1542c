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
/** A PodDisruptionBudget for a component that runs more than one replica. */
const pdb = (env: BaseEnvironment) => ({ enabled: env.operators.highAvailability, minAvailable: 1 });

const validatingWebhookCaBundle = { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] };
const mutatingWebhookCaBundle = { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] };

/** Labels of the Flink operator's pods (chart 1.15.0 `flink-operator.selectorLabels`: the chart name). */
export const FLINK_OPERATOR_SELECTOR = { 'app.kubernetes.io/name': 'flink-kubernetes-operator' } as const;

/**
 * Where each operator's controller serves Prometheus metrics, at the pinned chart version: the
 * pods' labels and the container port, as the chart's deployment template renders them for our
 * release names (test/operator-metrics.test.ts reads them from the pinned templates). Scraped by
 * charts/platform/operator-metrics.ts; the charts' own ServiceMonitors/PodMonitors stay off.
 */
export const OPERATOR_METRICS = {
  // cert-manager v1.19.6 templates/deployment.yaml: pod labels; port 9402 `http-metrics`
  // (the controller's default --metrics-listen-address 0.0.0.0:9402).
  'cert-manager': {
    selector: { 'app.kubernetes.io/name': 'cert-manager', 'app.kubernetes.io/instance': 'cert-manager', 'app.kubernetes.io/component': 'controller' },
    port: 9402,
  },
  // external-secrets chart 2.9.0 templates/deployment.yaml: `external-secrets.selectorLabels`;
  // `--metrics-addr=:{{ .Values.metrics.listen.port }}`, port `metrics`, plain HTTP unless metrics.listen.secure.
  'external-secrets': {
    selector: { 'app.kubernetes.io/name': 'external-secrets', 'app.kubernetes.io/instance': 'external-secrets' },
    port: 8080,
  },
  // flink-kubernetes-operator 1.15.0: the container port `metrics` exists only when values
  // `metrics.port` is set; the Prometheus reporter listens there (docs operations/metrics-logging.md).
  'flink-kubernetes-operator': { selector: FLINK_OPERATOR_SELECTOR, port: 9999 },
  // strimzi-kafka-operator 1.2.0 templates/060-Deployment-strimzi-cluster-operator.yaml: pod
  // labels; port 8080 `http`, which serves /metrics (cluster-operator Main.startHealthServer).
  'strimzi-kafka-operator': { selector: { name: 'strimzi-cluster-operator', 'strimzi.io/kind': 'cluster-operator' }, port: 8080 },
} as const satisfies Record<string, { selector: Record<string, string>; port: number }>;

/**
 * The operator's own configuration, appended to the chart's defaults (values
 * `defaultConfiguration.append: true`). The first two lines repeat the chart's default
 * overrides, which setting this value replaces. Keys: flink-kubernetes-operator 1.15.0
 * docs/content/docs/operations/configuration.md.
 */
const flinkOperatorConf = (ha: boolean) =>
  [
    'kubernetes.operator.reconcile.interval: 15 s',
    'kubernetes.operator.observer.progress-check.interval: 5 s',
    // The operator hands kubernetes.operator.metrics.* to its metric registry as metrics.*
    // (1.15.0 OperatorMetricUtils.createMetricConfig); the Prometheus reporter ships in its image.
    'kubernetes.operator.metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory',
    `kubernetes.operator.metrics.reporter.prom.port: ${OPERATOR_METRICS['flink-kubernetes-operator'].port}`,
    ...(ha ? ['kubernetes.operator.leader-election.enabled: true', 'kubernetes.operator.leader-election.lease-name: flink-operator-lease'] : []),
    '',
  ].join('\n');

export const helmOperators: readonly HelmOperator[] = [
  {
    // Needed by the Flink operator's admission webhook (its chart issues the webhook certificate with cert-manager).
    name: 'cert-manager',
    namespace: operatorNamespaces.certManager,
    repoURL: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    // The newest patch of the 1.19 line (security fixes after v1.19.2).
    version: 'v1.19.6',
    syncWave: syncWaves.certManager,
    podSecurity: 'restricted',
    values: (env) => ({
      crds: { enabled: true, keep: true },
      // The default leader-election namespace is kube-system; keep cert-manager inside its own.
      global: { leaderElection: { namespace: operatorNamespaces.certManager } },
      replicaCount: replicas(env),
      podDisruptionBudget: pdb(env),
      webhook: { replicaCount: replicas(env), podDisruptionBudget: pdb(env) },
      cainjector: { replicaCount: replicas(env), podDisruptionBudget: pdb(env) },
      // Metrics on; the chart's monitors would be monitoring.coreos.com objects the AKS add-on does not read.
      prometheus: { enabled: true, servicemonitor: { enabled: false }, podmonitor: { enabled: false } },
    }),
    // The CA injector writes caBundle into cert-manager's own webhooks (chart templates
    // webhook-validating-webhook.yaml and webhook-mutating-webhook.yaml carry inject-ca-from-secret).
    ignoreDifferences: [validatingWebhookCaBundle, mutatingWebhookCaBundle],
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
      // The controller and the cert controller both elect a leader with this flag (chart 2.9.0
      // deployment.yaml and cert-controller-deployment.yaml pass --enable-leader-election).
      leaderElect: env.operators.highAvailability,
      podDisruptionBudget: pdb(env),
      webhook: { replicaCount: replicas(env), podDisruptionBudget: pdb(env) },
      certController: { replicaCount: replicas(env), podDisruptionBudget: pdb(env) },
      metrics: { listen: { port: OPERATOR_METRICS['external-secrets'].port } },
      // One switch for the controller's, webhook's and cert controller's ServiceMonitors (templates/servicemonitor.yaml).
      serviceMonitor: { enabled: false },
    }),
    // ESO's cert controller writes the CA bundle into its ValidatingWebhookConfiguration. Chart
    // 2.9.0 has no mutating webhook, and CRD conversion is off (crds.conversion.enabled: false),
    // so nothing else is written after sync.
    ignoreDifferences: [validatingWebhookCaBundle],
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
    values: (env) => ({
      watchNamespaces: [workloadNamespaces.flink],
      webhook: { create: true },
      // values.yaml: "Replicas must be 1 unless operator leader election is configured" and
      // "Strategy type must be Recreate unless leader election is configured".
      replicas: replicas(env),
      strategy: { type: env.operators.highAvailability ? 'RollingUpdate' : 'Recreate' },
      defaultConfiguration: { create: true, append: true, 'flink-conf.yaml': flinkOperatorConf(env.operators.highAvailability) },
      // Opens the container port `metrics` (templates/controller/deployment.yaml); the chart has no monitor of its own.
      metrics: { port: OPERATOR_METRICS['flink-kubernetes-operator'].port },
    }),
    // cert-manager's CA injector fills both webhooks (chart templates/webhook/*_webhook_configuration.yaml, inject-ca-from).
    ignoreDifferences: [validatingWebhookCaBundle, mutatingWebhookCaBundle],
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
      leaderElection: { enable: true },
      podDisruptionBudget: { enabled: env.operators.highAvailability, minAvailable: 1 },
    }),
    // Nothing to ignore: the 1.2.0 CRDs no longer carry `deprecated: false` (strimzi #12058),
    // and the operator writes no webhooks.
  },
];
