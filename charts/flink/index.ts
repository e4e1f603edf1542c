import { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { FlinkDeployment, FlinkDeploymentSpecJobUpgradeMode } from '../../imports/flinkdeployment-flink.apache.org';
import type { BuiltCharts } from '../components';
import { PlatformChart, recommendedLabels, selectorLabels } from '../lib/chart';
import { ConfigError } from '../lib/errors';
import { WorkloadIdentity } from '../lib/identity';
import type { LakeLocation } from '../lib/lake';
import { workloadNamespaces } from '../lib/namespaces';
import type { Platform } from '../lib/platform';
import { exposeMetrics } from '../lib/monitoring';
import { KeyVaultSecret } from '../lib/secrets';
import { FLINK_METRICS_PORT, FLINK_PROMETHEUS_REPORTER } from '../monitoring/flink-reporter';
import { syncWaves } from '../lib/sync-waves';
import { dnsEgress, namespacesPeer, quantityGiB, resources, restrictedContainer, restrictedPod, spreadAcrossZones, tcpEgress } from '../lib/workload';
import { PolarisChart, PolarisConsumer } from '../polaris';
import { POLARIS } from '../polaris/constants';
import { WarpstreamChart } from '../warpstream';
import { WARPSTREAM_PORTS } from '../warpstream/agent';
import { ABFS_KEYS, FLINK } from './constants';
import { FETCH_JAR_SCRIPT } from './fetch-jar';
import { catalogOptions, catalogYaml, SqlGateway } from './gateway';
import { HistoryServer } from './history';
import { ApplicationSettings, FlinkSettings } from './settings';

export { ABFS_KEYS, FLINK } from './constants';

/**
 * Flink on the Flink Kubernetes Operator 1.15.0: a session cluster with the SQL Gateway, a
 * HistoryServer, and application deployments whose jar an init container fetches from the
 * `flink-jobs` container with the workload identity. Each cluster has its own identity and its
 * own state container.
 */
export class FlinkChart extends PlatformChart {
  constructor(scope: App, platform: Platform, settings: FlinkSettings, built: BuiltCharts) {
    super(scope, platform, { component: 'flink', syncWave: syncWaves.workloads });
    const envFile = `environments/${platform.env.name}.ts`;
    platform.registryImage('flink.image', settings.image, 'build', {
      expected: [{ label: '', software: 'Flink', version: FLINK.release }],
      why: 'images/flink builds that release (images/flink/sql-jars/pom.xml), and the charts write its configuration keys',
    });
    const polarisChart = built.require('polaris', PolarisChart, platform.env.name, 'Flink SQL keeps its tables in its catalog');
    const polaris = polarisChart.consumer('flink');
    const warpstream = built.require('warpstream', WarpstreamChart, platform.env.name, 'Flink reads and writes its topics there');
    const names = settings.applications.map((a) => a.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i || n === 'session');
    if (dup) throw new ConfigError(envFile, 'components.flink.applications', dup, 'must have unique names other than session');

    const catalogOf = (consumer: string) => polarisChart.consumer(consumer);
    const kafkaBootstrap = warpstream.bootstrapServers;
    const session = new FlinkCluster(this, 'session', platform, { settings, name: 'session', polaris, catalogOf, kafkaBootstrap });
    new SqlGateway(this, 'sql-gateway', { settings, session, polaris });
    const apps = settings.applications.map((app) => new FlinkCluster(this, app.name, platform, { settings, name: app.name, application: app, polaris, catalogOf, kafkaBootstrap }));
    new HistoryServer(this, 'history-server', platform, { settings, clusters: [session, ...apps] });
  }
}

interface FlinkClusterProps {
  readonly settings: FlinkSettings;
  readonly name: string;
  readonly application?: ApplicationSettings;
  /** The session's Polaris consumer (flink); its data location is the catalog's tables. */
  readonly polaris: PolarisConsumer;
  /** The handle of another consumer (an application's own, flink-<name>). */
  readonly catalogOf: (consumer: string) => PolarisConsumer;
  /** WarpStream's bootstrap address, handed to application jobs as KAFKA_BOOTSTRAP_SERVERS. */
  readonly kafkaBootstrap: string;
}

/** One FlinkDeployment with its identity, its own state container, RBAC and network policy. */
export class FlinkCluster extends Construct {
  readonly deploymentName: string;
  readonly identity: WorkloadIdentity;
  readonly restService: string;
  /** The job defaults a client must send with each job (Flink 1.20 reads them on the client side). */
  readonly jobDefaults: Record<string, string>;
  /** Where the JobManager archives completed jobs, for the HistoryServer. */
  readonly archive: LakeLocation;

  constructor(scope: Construct, id: string, platform: Platform, props: FlinkClusterProps) {
    super(scope, id);
    const { settings, application: app, polaris } = props;
    const namespace = workloadNamespaces.flink;
    this.deploymentName = `flink-${props.name}`;
    this.restService = `${this.deploymentName}-rest`;
    const labels = recommendedLabels(this.deploymentName, app ? 'stream-application' : 'stream-session', FLINK.release);
    this.identity = new WorkloadIdentity(this, 'identity', platform, { identityName: this.deploymentName, namespace, labels });
    // State in a container of its own: no other workload can write this cluster's savepoints.
    const state = platform.lake.container(stateContainer(props.name)).grantReadWrite(this.identity);
    // Job jars are read only: only whoever publishes them writes (npm run publish-job).
    const jar = app ? platform.lake.container(FLINK.jobsContainer).grantRead(this.identity).location(app.jar) : undefined;
    // Iceberg data: ADLSFileIO reaches the catalog's tables with this identity (no vended credentials).
    const usesCatalog = !app || app.catalog;
    const tables = usesCatalog ? platform.lake.container(polaris.dataLocation.container.name).grantReadWrite(this.identity).location(polaris.dataLocation.path).abfss() : undefined;
    this.archive = state.location('completed-jobs').location;

    // The operator chart's job Role lets JobManagers create TaskManager pods and HA ConfigMaps.
    new k8s.KubeRoleBinding(this, 'job-role', {
      metadata: { name: this.deploymentName, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: FLINK.jobRole },
      subjects: [{ kind: 'ServiceAccount', name: this.identity.serviceAccountName, namespace }],
    });

    const tm = app ? app.taskManager : settings.session.taskManager;
    const jm = app ? app.jobManager : settings.session.jobManager;
    this.jobDefaults = {
      'execution.checkpointing.interval': `${app ? app.checkpointIntervalSeconds : settings.session.checkpointIntervalSeconds}s`,
      'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
    };
    const configuration: Record<string, string> = {
      ...ABFS_KEYS,
      ...this.jobDefaults,
      'high-availability.type': 'kubernetes',
      'high-availability.storageDir': state.location('ha').abfss(),
      'execution.checkpointing.dir': state.location('checkpoints').abfss(),
      'execution.checkpointing.savepoint-dir': state.location('savepoints').abfss(),
      'jobmanager.archive.fs.dir': state.location('completed-jobs').abfss(),
      'state.backend.type': 'rocksdb',
      'execution.checkpointing.incremental': 'true',
      // RocksDB on the TaskManager's own disk, not the 2 GiB /tmp of the pod.
      'state.backend.rocksdb.localdir': `${FLINK.localState}/rocksdb`,
      'taskmanager.numberOfTaskSlots': String(tm.slots),
      // The native session cluster starts TaskManagers on demand; taskManager.replicas maps only to the
      // standalone mode (operator 1.15.0 FlinkConfigBuilder.applyTaskManagerSpec). This keeps them standing.
      ...(app ? {} : { 'slotmanager.number-of-slots.min': String(settings.session.taskManager.replicas * tm.slots) }),
      'kubernetes.operator.pod-template.merge-arrays-by-name': 'true',
      'kubernetes.operator.savepoint.history.max.count': '5',
      // Savepoints the operator took are deleted with their history entry, and a deleted deployment leaves one behind.
      'kubernetes.operator.savepoint.dispose-on-delete': 'true',
      ...(app ? { 'kubernetes.operator.job.savepoint-on-deletion': 'true' } : {}),
      ...FLINK_PROMETHEUS_REPORTER,
    };

    const usrlib = { name: 'usrlib', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } };
    const fetchJar = jar && {
      name: 'fetch-job-jar',
      image: settings.image,
      imagePullPolicy: 'IfNotPresent',
      command: ['bash', '-c', FETCH_JAR_SCRIPT],
      env: [
        { name: 'JAR_LOCATION', value: jar.abfss() },
        { name: 'JAR_FILE', value: `${FLINK.usrlib}/job.jar` },
      ],
      resources: resources(0.25, 0.25),
      securityContext: restrictedContainer,
      volumeMounts: [{ name: 'usrlib', mountPath: FLINK.usrlib }],
    };
    // The job reads its Polaris consumer's credentials from the environment (never from the configuration).
    const jobEnv = app ? [{ name: 'KAFKA_BOOTSTRAP_SERVERS', value: props.kafkaBootstrap }, ...(app.catalog ? catalogEnvironment(this, `flink-${app.name}`, props.catalogOf(`flink-${app.name}`), labels) : [])] : [];

    new FlinkDeployment(this, 'Resource', {
      // Where the catalog's tables live, which this identity reads and writes through ADLSFileIO.
      metadata: { name: this.deploymentName, namespace, labels, annotations: tables ? { 'lakehouse.io/iceberg-tables': tables } : undefined },
      spec: {
        image: settings.image,
        imagePullPolicy: 'IfNotPresent',
        flinkVersion: FLINK.version,
        serviceAccount: this.identity.serviceAccountName,
        flinkConfiguration: configuration,
        podTemplate: {
          metadata: { labels: { ...labels, ...WorkloadIdentity.podLabels } },
          spec: {
            // JobManagers talk to the Kubernetes API (native Kubernetes, HA ConfigMaps).
            automountServiceAccountToken: true,
            securityContext: restrictedPod(FLINK.uid),
            topologySpreadConstraints: spreadAcrossZones(selectorLabels(this.deploymentName)),
            containers: [
              {
                name: FLINK.mainContainer,
                // The image's entrypoint writes the effective configuration under /opt/flink/conf.
                securityContext: { ...restrictedContainer, readOnlyRootFilesystem: false },
                env: jobEnv,
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(app ? [{ name: 'usrlib', mountPath: FLINK.usrlib }] : [])],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('2Gi') } }, ...(app ? [usrlib] : [])],
          },
        },
        jobManager: {
          replicas: 1,
          resource: { cpu: jm.cpu, memory: quantityGiB(jm.memoryGiB) },
          podTemplate: fetchJar ? { spec: { initContainers: [fetchJar] } } : undefined,
        },
        taskManager: {
          resource: { cpu: tm.cpu, memory: quantityGiB(tm.memoryGiB) },
          podTemplate: {
            spec: {
              containers: [{ name: FLINK.mainContainer, volumeMounts: [{ name: 'local-state', mountPath: FLINK.localState }] }],
              // A disk of its own per TaskManager, deleted with the pod (generic ephemeral volume, default storage class).
              volumes: [
                {
                  name: 'local-state',
                  ephemeral: { volumeClaimTemplate: { metadata: { labels }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString(quantityGiB(tm.localStateGiB)) } } } } },
                },
              ],
            },
          },
        },
        job: app && {
          jarUri: `local://${FLINK.usrlib}/job.jar`,
          entryClass: app.entryClass,
          args: app.args,
          parallelism: app.parallelism,
          upgradeMode: { savepoint: FlinkDeploymentSpecJobUpgradeMode.SAVEPOINT, 'last-state': FlinkDeploymentSpecJobUpgradeMode.LAST_HYPHEN_STATE, stateless: FlinkDeploymentSpecJobUpgradeMode.STATELESS }[app.upgradeMode],
        },
      },
    });

    new k8s.KubeNetworkPolicy(this, 'network-policy', {
      metadata: { name: this.deploymentName, namespace, labels },
      spec: {
        podSelector: { matchLabels: { app: this.deploymentName } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          // JobManager, TaskManagers and blob server talk among themselves; the operator, the gateway and the HistoryServer's neighbours reach the REST API.
          { from: [{ podSelector: { matchLabels: { app: this.deploymentName } } }] },
          { from: [namespacesPeer([workloadNamespaces.flink, 'flink-operator'])], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(FLINK.restPort) }] },
        ],
        egress: [
          dnsEgress,
          { to: [{ podSelector: { matchLabels: { app: this.deploymentName } } }] },
          // Topics carry JSON (no schema registry in SQL); application jobs may use the registry.
          { to: [namespacesPeer([workloadNamespaces.warpstream])], ports: (app ? [WARPSTREAM_PORTS.kafka, WARPSTREAM_PORTS.schemaRegistry] : [WARPSTREAM_PORTS.kafka]).map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })) },
          ...(usesCatalog ? [{ to: [namespacesPeer([workloadNamespaces.polaris])], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(POLARIS.httpPort) }] }] : []),
          // The lake, Entra ID and the Kubernetes API server (443 on AKS).
          tcpEgress(443),
        ],
      },
    });
    // The operator labels the JobManager and TaskManager pods app=<deployment>.
    exposeMetrics(this, { name: this.deploymentName, namespace, labels, selector: { app: this.deploymentName }, port: FLINK_METRICS_PORT });
  }
}

/** The container holding one Flink cluster's HA metadata, checkpoints, savepoints and completed jobs. */
export const stateContainer = (name: string) => `flink-state-${name}`;

/**
 * The catalog a job opens: its Iceberg options (as the gateway's catalog file has them) and the
 * Polaris consumer's client ID and secret from Key Vault, as environment variables.
 */
function catalogEnvironment(scope: Construct, consumer: string, polaris: PolarisConsumer, labels: Record<string, string>): k8s.EnvVar[] {
  const secret = new KeyVaultSecret(scope, 'polaris-secret', {
    namespace: workloadNamespaces.flink,
    secretName: `${consumer}-polaris`,
    labels,
    keys: { clientId: polaris.keyVaultSecrets.clientId, clientSecret: polaris.keyVaultSecrets.clientSecret },
  });
  return [
    { name: 'CATALOG', value: catalogYaml(catalogOptions(polaris)) },
    { name: 'POLARIS_CLIENT_ID', valueFrom: { secretKeyRef: { name: secret.secretName, key: 'clientId' } } },
    { name: 'POLARIS_CLIENT_SECRET', valueFrom: { secretKeyRef: { name: secret.secretName, key: 'clientSecret' } } },
  ];
}

