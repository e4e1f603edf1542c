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

/** The Strimzi Kafka image user (uid 1001). */
const KAFKA_UID = 1001;

/** The KafkaConnect cluster name; Strimzi derives the service account `<name>-connect` from it. */
export const CONNECT_CLUSTER = 'lakehouse';

/** Environment variables the connector configuration reads through Kafka's EnvVarConfigProvider. */
const ENV = { clientId: 'POLARIS_CLIENT_ID', clientSecret: 'POLARIS_CLIENT_SECRET' } as const;
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
    platform.registryImage('kafka-connect.image', settings.image, 'build');
    const warpstream = built.require('warpstream', WarpstreamChart, platform.env.name, 'Kafka Connect reads and writes its topics there');
    const polarisChart = built.require('polaris', PolarisChart, platform.env.name, 'the Iceberg sink commits through it');
    const polaris = polarisChart.consumer('kafka-connect');
    const granted = polarisChart.namespacesOf('kafka-connect');
    settings.sinks.forEach((sink, i) => {
      if (!granted.includes(sink.namespace)) {
        throw new ConfigError(envFile, `components.kafka-connect.sinks.${i}.namespace`, sink.namespace, `must be one of the namespaces Polaris grants kafka-connect (components.polaris.consumers.kafka-connect.namespaces: ${granted.join(', ') || 'none'})`);
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
      // Connect's internal topics: compacted, with the partition counts Connect itself uses by default.
      { name: topics.configs, partitions: 1, compact: true },
      { name: topics.offsets, partitions: 25, compact: true },
      { name: topics.status, partitions: 5, compact: true },
      ...settings.sinks.map((s) => ({ name: controlTopic(s), partitions: 1, compact: false })),
    ], warpstream.bootstrapServers);

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
          // Secrets reach connector configuration as ${env:...} (Strimzi 1.x has no externalConfiguration).
          'config.providers': 'env',
          'config.providers.env.class': 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
          'config.providers.env.param.allowlist.pattern': `^(${Object.values(ENV).join('|')})$`,
          // Sinks read only committed records of transactional producers.
          'consumer.isolation.level': 'read_committed',
          // The Iceberg sink answers the coordinator's commit requests only inside put(), and on an
          // idle topic Connect calls put() once per offset flush interval (WorkerSinkTask polls until
          // the next offset commit; Kafka's default is 60 s). Found by npm run e2e: the first commit
          // of a quiet topic waited a minute. The sink commits its offsets itself, so this is cheap.
          'offset.flush.interval.ms': OFFSET_FLUSH_INTERVAL_MS,
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
          connectContainer: {
            env: [
              { name: ENV.clientId, valueFrom: { secretKeyRef: { name: credentials.secretName, key: 'clientId' } } },
              { name: ENV.clientSecret, valueFrom: { secretKeyRef: { name: credentials.secretName, key: 'clientSecret' } } },
            ],
            securityContext: restrictedContainer,
          },
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
          autoRestart: { enabled: true },
          config: sinkConfig(sink, polaris, controlTopic(sink)),
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

  /** Creates the topics Connect and the sinks need, before the workers start; idempotent (--if-not-exists). */
  private topicsJob(namespace: string, labels: Record<string, string>, settings: KafkaConnectSettings, topics: { name: string; partitions: number; compact: boolean }[], bootstrap: string): void {
    const name = `${CONNECT_CLUSTER}-connect-topics`;
    const jobLabels = { ...labels, 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
    const create = topics
      .map((t) => `/opt/kafka/bin/kafka-topics.sh --bootstrap-server ${bootstrap} --create --if-not-exists --topic ${t.name} --partitions ${t.partitions} --replication-factor ${settings.replicationFactor}${t.compact ? ' --config cleanup.policy=compact' : ''}`)
      .join(' && ');
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

/**
 * The Iceberg sink configuration (Apache Iceberg 1.10 kafka-connect docs; keys checked by
 * test/kafka-connect/ConnectConfigCheck.java against the sink's own ConfigDef).
 */
export function sinkConfig(sink: SinkSettings, polaris: ReturnType<PolarisChart['consumer']>, controlTopic: string): Record<string, string> {
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
    'iceberg.catalog.credential': `\${env:${ENV.clientId}}:\${env:${ENV.clientSecret}}`,
    'iceberg.catalog.scope': polaris.scope,
    ...Object.fromEntries(Object.entries(polaris.headers).map(([k, v]) => [`iceberg.catalog.header.${k}`, v])),
    // Data files go to the lake with the workload identity; no vended credentials are asked for.
    'iceberg.catalog.io-impl': 'org.apache.iceberg.azure.adlsv2.ADLSFileIO',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  };
}
