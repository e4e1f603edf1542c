import { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { KafkaConnect, KafkaConnectSpecMetricsConfigType } from '../../imports/kafkaconnect-kafka.strimzi.io';
import { KafkaConnector } from '../../imports/kafkaconnector-kafka.strimzi.io';
import type { BuiltCharts } from '../components';
import { LAKE_LOCATION_ANNOTATION, PlatformChart, recommendedLabels } from '../lib/chart';
import { ConfigError } from '../lib/errors';
import { WorkloadIdentity } from '../lib/identity';
import { workloadNamespaces } from '../lib/namespaces';
import type { Platform } from '../lib/platform';
import { exposeMetrics } from '../lib/monitoring';
import { KeyVaultSecret } from '../lib/secrets';
import { CONNECT_EXPORTER_CONFIG, STRIMZI_METRICS_PORT } from '../monitoring/connect-exporter';
import { SYNC_WAVE_ANNOTATION, syncWaves } from '../lib/sync-waves';
import { dnsEgress, namespacesPeer, quantityCpu, quantityGiB, resources, restrictedContainer, restrictedPod, tcpEgress } from '../lib/workload';
import { PolarisChart } from '../polaris';
import { POLARIS } from '../polaris/constants';
import { WARPSTREAM_PORTS } from '../warpstream/agent';
import { WarpstreamChart } from '../warpstream';
import { KafkaConnectSettings, SinkSettings } from './settings';
import { ICEBERG_VERSION, KAFKA_VERSION, STRIMZI_VERSION } from './versions';

/** The Strimzi Kafka image user (uid 1001). */
const KAFKA_UID = 1001;

/** The KafkaConnect cluster name; Strimzi derives the service account `<name>-connect` from it. */
export const CONNECT_CLUSTER = 'lakehouse';

/**
 * The config provider that reads the Polaris credential from its Kubernetes Secret each time a
 * connector or task starts, so a restarted task picks up a rotated secret (Strimzi's
 * kafka-kubernetes-config-provider 1.2.2, which Strimzi 1.2.0's Kafka images ship).
 */
export const SECRET_PROVIDER = { name: 'secrets', class: 'io.strimzi.kafka.KubernetesSecretConfigProvider' } as const;
/** At most this long between put() calls on an idle topic: well under the shortest sink commit interval (10 s). */
const OFFSET_FLUSH_INTERVAL_MS = 5000;

/**
 * Kafka Connect on Strimzi 1.2.0, reading WarpStream and landing topics in Iceberg tables
 * through Polaris. Data is written with the workload identity (ADLSFileIO falls back to
 * DefaultAzureCredential when the catalog vends nothing), so the catalog is asked for no
 * vended credentials.
 */
export class KafkaConnectChart extends PlatformChart {
  constructor(scope: App, platform: Platform, settings: KafkaConnectSettings, built: BuiltCharts) {
    super(scope, platform, { component: 'kafka-connect', syncWave: syncWaves.workloads });
    const envFile = `environments/${platform.env.name}.ts`;
    platform.registryImage('kafka-connect.image', settings.image, 'build', {
      expected: [
        { label: '', software: 'Strimzi', version: STRIMZI_VERSION },
        { label: 'kafka', software: 'Kafka', version: KAFKA_VERSION },
        { label: 'iceberg', software: 'Iceberg', version: ICEBERG_VERSION },
      ],
      why: 'images/kafka-connect builds these (its Dockerfile and pom.xml), and the KafkaConnect runs that Kafka',
    });
    const warpstream = built.require('warpstream', WarpstreamChart, platform.env.name, 'Kafka Connect reads and writes its topics there');
    const polarisChart = built.require('polaris', PolarisChart, platform.env.name, 'the Iceberg sink commits through it');
    const polaris = polarisChart.consumer('kafka-connect');
    const granted = polarisChart.namespacesOf('kafka-connect');
    settings.sinks.forEach((sink, i) => {
      if (!granted.includes(sink.namespace)) {
        throw new ConfigError(envFile, `components.kafka-connect.sinks.${i}.namespace`, sink.namespace, `must be one of the namespaces Polaris grants kafka-connect (components.polaris.consumers.kafka-connect.namespaces: ${granted.join(', ') || 'none'})`);
      }
      // Nothing auto-creates topics: a sink reads what the environment declares.
      sink.topics.forEach((topic, t) => {
        if (!warpstream.topics.some((d) => d.name === topic)) {
          throw new ConfigError(envFile, `components.kafka-connect.sinks.${i}.topics.${t}`, topic, `must be declared in components.warpstream.topics (${warpstream.topics.map((d) => d.name).join(', ') || 'none'}): nothing else creates it`);
        }
      });
      // Connect refuses a sink whose dead-letter topic it would also consume (SinkConnectorConfig.validate).
      if (sink.topicsRegex && new RegExp(`^(?:${sink.topicsRegex})$`).test(deadLetterTopic(sink))) {
        throw new ConfigError(envFile, `components.kafka-connect.sinks.${i}.topicsRegex`, sink.topicsRegex, `must not match the sink's dead-letter topic ${deadLetterTopic(sink)}`);
      }
    });

    const namespace = workloadNamespaces.kafkaConnect;
    const serviceAccount = `${CONNECT_CLUSTER}-connect`;
    const version = settings.image.split(/[:@]/)[1];
    const labels = recommendedLabels(CONNECT_CLUSTER, 'kafka-connect', version);
    const identity = new WorkloadIdentity(this, 'identity', platform, {
      identityName: 'kafka-connect',
      namespace,
      serviceAccountName: serviceAccount,
      createServiceAccount: false,
    });
    const data = platform.lake.container(polaris.dataLocation.container.name).grantReadWrite(identity).location(polaris.dataLocation.path);

    const credentials = new KeyVaultSecret(this, 'polaris-secret', {
      namespace,
      secretName: 'kafka-connect-polaris',
      labels,
      keys: { clientId: polaris.keyVaultSecrets.clientId, clientSecret: polaris.keyVaultSecrets.clientSecret },
    });

    const topics = {
      configs: `${CONNECT_CLUSTER}-connect-configs`,
      offsets: `${CONNECT_CLUSTER}-connect-offsets`,
      status: `${CONNECT_CLUSTER}-connect-status`,
    };
    const controlTopic = (sink: SinkSettings) => `${CONNECT_CLUSTER}-iceberg-control-${sink.name}`;
    this.topicsJob(namespace, labels, settings, [
      // The environment's topics (components.warpstream.topics), which producers write and sinks and jobs read.
      ...warpstream.topics.map((t) => ({ name: t.name, partitions: t.partitions, compact: false })),
      // Connect's internal topics: compacted, with the partition counts Connect itself uses by default.
      { name: topics.configs, partitions: 1, compact: true },
      { name: topics.offsets, partitions: 25, compact: true },
      { name: topics.status, partitions: 5, compact: true },
      ...settings.sinks.map((s) => ({ name: controlTopic(s), partitions: 1, compact: false })),
      ...settings.sinks.map((s) => ({ name: deadLetterTopic(s), partitions: 1, compact: false })),
    ], warpstream.bootstrapServers);
    const credentialReader = this.secretReader(namespace, labels, serviceAccount, credentials.secretName);

    const metrics = new k8s.KubeConfigMap(this, 'metrics', {
      metadata: { name: `${CONNECT_CLUSTER}-connect-metrics`, namespace, labels },
      data: {
        // Strimzi's JMX Prometheus exporter rules for Connect (charts/monitoring/connect-exporter.ts).
        'metrics-config.yml': CONNECT_EXPORTER_CONFIG,
      },
    });

    const heapMiB = Math.floor(settings.memoryGiB * 1024 * 0.75);
    new KafkaConnect(this, 'Resource', {
      metadata: {
        name: CONNECT_CLUSTER,
        namespace,
        labels,
        annotations: {
          'strimzi.io/use-connector-resources': 'true',
          [SYNC_WAVE_ANNOTATION]: '1',
          // Where the sink writes data files (the catalog decides each table's folder below it);
          // the identity's grant covers it, which the contract test checks.
          [LAKE_LOCATION_ANNOTATION]: data.abfss(),
        },
      },
      spec: {
        // Pinned, not the operator's default (which moves with Strimzi upgrades); the image's Kafka.
        version: KAFKA_VERSION,
        replicas: settings.replicas,
        image: settings.image,
        bootstrapServers: warpstream.bootstrapServers,
        groupId: `${CONNECT_CLUSTER}-connect`,
        configStorageTopic: topics.configs,
        offsetStorageTopic: topics.offsets,
        statusStorageTopic: topics.status,
        config: {
          'config.storage.replication.factor': settings.replicationFactor,
          'offset.storage.replication.factor': settings.replicationFactor,
          'status.storage.replication.factor': settings.replicationFactor,
          // The topics exist before the workers start (the topics Job).
          'topic.creation.enable': false,
          'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
          'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
          // Secrets reach connector configuration as ${secrets:<namespace>/<secret>:<key>}, read from
          // the Kubernetes API when a task starts (not once per pod, as environment variables are).
          'config.providers': SECRET_PROVIDER.name,
          [`config.providers.${SECRET_PROVIDER.name}.class`]: SECRET_PROVIDER.class,
          // Sinks read only committed records of transactional producers.
          'consumer.isolation.level': 'read_committed',
          // The Iceberg sink answers the coordinator's commit requests only inside put(), and on an
          // idle topic Connect calls put() once per offset flush interval (WorkerSinkTask polls until
          // the next offset commit; Kafka's default is 60 s). Found by npm run e2e: the first commit
          // of a quiet topic waited a minute. The sink commits its offsets itself, so this is cheap.
          'offset.flush.interval.ms': OFFSET_FLUSH_INTERVAL_MS,
          // Plugins found through their ServiceLoader manifests only, not by scanning every class of
          // plugin.path and the class path. Connect 4.3.1 with this image's plugins (npm run e2e)
          // spent 21 of its 23 s start in the reflective scan and logged "All plugins have
          // ServiceLoader manifests, consider reconfiguring plugin.discovery=service_load" (KIP-898);
          // the e2e then runs with it. Strimzi 1.2.0 does not forbid the key (KafkaConnectSpec).
          'plugin.discovery': 'service_load',
        },
        resources: {
          requests: { cpu: k8s.Quantity.fromString(quantityCpu(settings.cpu)), memory: k8s.Quantity.fromString(quantityGiB(settings.memoryGiB)) },
          limits: { memory: k8s.Quantity.fromString(quantityGiB(settings.memoryGiB)) },
        },
        jvmOptions: { xms: `${heapMiB}m`, xmx: `${heapMiB}m` },
        metricsConfig: {
          type: KafkaConnectSpecMetricsConfigType.JMX_PROMETHEUS_EXPORTER,
          valueFrom: { configMapKeyRef: { name: metrics.metadata.name!, key: 'metrics-config.yml' } },
        },
        template: {
          pod: {
            metadata: { labels: { ...WorkloadIdentity.podLabels } },
            securityContext: restrictedPod(KAFKA_UID),
            terminationGracePeriodSeconds: 60,
          },
          connectContainer: { securityContext: restrictedContainer },
          serviceAccount: { metadata: { annotations: identity.serviceAccountAnnotations } },
          podDisruptionBudget: { maxUnavailable: 1 },
        },
      },
    });

    for (const sink of settings.sinks) {
      new KafkaConnector(this, `sink-${sink.name}`, {
        metadata: {
          name: sink.name,
          namespace,
          labels: { ...labels, 'strimzi.io/cluster': CONNECT_CLUSTER },
          annotations: { [SYNC_WAVE_ANNOTATION]: '2' },
        },
        spec: {
          class: 'org.apache.iceberg.connect.IcebergSinkConnector',
          tasksMax: sink.tasksMax,
          // Bounded: Strimzi 1.2.0 restarts after 0, 2, 6, 12, 20, 30, 42, 56 and then every 60 minutes
          // (AbstractConnectOperator.nextAutoRestartBackOffIntervalInMinutes); past maxRestarts the
          // connector stays FAILED (Argo CD shows it Degraded) until someone restarts it.
          autoRestart: { enabled: true, maxRestarts: sink.maxRestarts },
          config: sinkConfig(sink, polaris, { controlTopic: controlTopic(sink), deadLetterTopic: deadLetterTopic(sink), replicationFactor: settings.replicationFactor, credential: credentialReader }),
        },
      });
    }

    new k8s.KubeNetworkPolicy(this, 'network-policy', {
      metadata: { name: `${CONNECT_CLUSTER}-connect-egress`, namespace, labels },
      spec: {
        // Strimzi writes the ingress policy of the Connect REST API itself; this one limits egress.
        podSelector: { matchLabels: { 'strimzi.io/cluster': CONNECT_CLUSTER, 'strimzi.io/kind': 'KafkaConnect' } },
        policyTypes: ['Egress'],
        egress: [
          dnsEgress,
          { to: [namespacesPeer([workloadNamespaces.warpstream])], ports: [WARPSTREAM_PORTS.kafka, WARPSTREAM_PORTS.schemaRegistry].map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })) },
          { to: [namespacesPeer([workloadNamespaces.polaris])], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(POLARIS.httpPort) }] },
          // Workers talk to each other's REST API (8083).
          { to: [namespacesPeer([namespace])], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(8083) }] },
          // The lake and Microsoft Entra ID.
          tcpEgress(443),
        ],
      },
    });
    // Strimzi runs the exporter in the Connect pods on tcp-prometheus (9404).
    exposeMetrics(this, {
      name: `${CONNECT_CLUSTER}-connect`,
      namespace,
      labels,
      selector: { 'strimzi.io/cluster': CONNECT_CLUSTER, 'strimzi.io/kind': 'KafkaConnect' },
      port: STRIMZI_METRICS_PORT,
    });
  }

  /**
   * Lets the Connect service account `get` exactly the credential Secret, which the Kubernetes
   * Secret config provider reads (its README at 1.2.2: `get` on the named resource is all it
   * needs). Returns the connector-side references to the Secret's keys.
   */
  private secretReader(namespace: string, labels: Record<string, string>, serviceAccount: string, secretName: string): (key: 'clientId' | 'clientSecret') => string {
    const name = `${CONNECT_CLUSTER}-connect-read-${secretName}`;
    new k8s.KubeRole(this, 'secret-reader', {
      metadata: { name, namespace, labels },
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [secretName], verbs: ['get'] }],
    });
    new k8s.KubeRoleBinding(this, 'secret-reader-binding', {
      metadata: { name, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
    });
    return (key) => `\${${SECRET_PROVIDER.name}:${namespace}/${secretName}:${key}}`;
  }

  /** Creates the topics Connect and the sinks need, before the workers start; idempotent (--if-not-exists). */
  private topicsJob(namespace: string, labels: Record<string, string>, settings: KafkaConnectSettings, topics: { name: string; partitions: number; compact: boolean }[], bootstrap: string): void {
    const name = `${CONNECT_CLUSTER}-connect-topics`;
    const jobLabels = { ...labels, 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
    // One command a line, stopping at the first that fails: readable in a diff of dist/.
    const create = [
      'set -eu',
      ...topics.map((t) => `/opt/kafka/bin/kafka-topics.sh --bootstrap-server ${bootstrap} --create --if-not-exists --topic ${t.name} --partitions ${t.partitions} --replication-factor ${settings.replicationFactor}${t.compact ? ' --config cleanup.policy=compact' : ''}`),
    ].join('\n') + '\n';
    new k8s.KubeJob(this, 'topics', {
      metadata: {
        name,
        namespace,
        labels: jobLabels,
        annotations: {
          'argocd.argoproj.io/hook': 'Sync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
          [SYNC_WAVE_ANNOTATION]: '0',
          'checkov.io/skip1': 'CKV_K8S_40=the Strimzi Kafka image runs Kafka as its kafka user, uid 1001',
        },
      },
      spec: {
        backoffLimit: 10,
        activeDeadlineSeconds: 900,
        ttlSecondsAfterFinished: 86400,
        template: {
          metadata: { labels: jobLabels },
          spec: {
            restartPolicy: 'OnFailure',
            automountServiceAccountToken: false,
            securityContext: restrictedPod(KAFKA_UID),
            containers: [
              {
                name: 'topics',
                image: settings.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', create],
                env: [{ name: 'KAFKA_LOG4J_OPTS', value: '-Dlog4j2.rootLogger.level=WARN' }],
                resources: resources(0.25, 0.5),
                securityContext: restrictedContainer,
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } }],
          },
        },
      },
    });
    new k8s.KubeNetworkPolicy(this, 'topics-network-policy', {
      metadata: { name, namespace, labels: jobLabels },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': name } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [dnsEgress, { to: [namespacesPeer([workloadNamespaces.warpstream])], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(WARPSTREAM_PORTS.kafka) }] }],
      },
    });
  }
}

/** Where a sink's records go that Connect cannot convert or transform. */
export const deadLetterTopic = (sink: SinkSettings) => `${CONNECT_CLUSTER}-dlq-${sink.name}`;

interface SinkTopology {
  readonly controlTopic: string;
  readonly deadLetterTopic: string;
  readonly replicationFactor: number;
  /** The connector-side reference to a key of the credential Secret. */
  readonly credential: (key: 'clientId' | 'clientSecret') => string;
}

/**
 * The Iceberg sink configuration (Apache Iceberg 1.10 kafka-connect docs; keys checked by
 * test/kafka-connect/ConnectConfigCheck.java against the sink's own ConfigDef and Connect's).
 */
export function sinkConfig(sink: SinkSettings, polaris: ReturnType<PolarisChart['consumer']>, topology: SinkTopology): Record<string, string> {
  const { controlTopic, credential } = topology;
  return {
    ...(sink.topicsRegex ? { 'topics.regex': sink.topicsRegex } : { topics: sink.topics.join(',') }),
    ...(sink.table ? { 'iceberg.tables': sink.table } : { 'iceberg.tables.dynamic-enabled': 'true', 'iceberg.tables.route-field': sink.routeField! }),
    'iceberg.tables.auto-create-enabled': String(sink.autoCreateTables),
    'iceberg.tables.evolve-schema-enabled': String(sink.evolveSchema),
    // Exactly once: the sink's coordinator commits through transactions on its own control topic.
    'iceberg.control.topic': controlTopic,
    'iceberg.control.commit.interval-ms': String(sink.commitIntervalSeconds * 1000),
    'iceberg.catalog.type': 'rest',
    'iceberg.catalog.uri': polaris.catalogUri,
    'iceberg.catalog.warehouse': polaris.warehouse,
    'iceberg.catalog.oauth2-server-uri': polaris.oauthTokenUri,
    'iceberg.catalog.credential': `${credential('clientId')}:${credential('clientSecret')}`,
    'iceberg.catalog.scope': polaris.scope,
    ...Object.fromEntries(Object.entries(polaris.headers).map(([k, v]) => [`iceberg.catalog.header.${k}`, v])),
    // Data files go to the lake with the workload identity; no vended credentials are asked for.
    'iceberg.catalog.io-impl': 'org.apache.iceberg.azure.adlsv2.ADLSFileIO',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    // A record the converter or a transform cannot handle goes to the dead-letter topic with
    // __connect.errors.* headers (topic, partition, offset, stage, exception) instead of failing
    // the task. Connect covers only those stages: the Iceberg sink 1.10 reports nothing through
    // ErrantRecordReporter, so a record that fails inside put() (valid JSON that is not an
    // object, a value the table's column type cannot take) still fails the task.
    'errors.tolerance': 'all',
    'errors.deadletterqueue.topic.name': topology.deadLetterTopic,
    'errors.deadletterqueue.topic.replication.factor': String(topology.replicationFactor),
    'errors.deadletterqueue.context.headers.enable': 'true',
    // Each tolerated failure is logged with its topic, partition and offset, not the record's content.
    'errors.log.enable': 'true',
    'errors.log.include.messages': 'false',
  };
}
