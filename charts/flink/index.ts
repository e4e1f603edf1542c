import { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { FlinkDeployment, FlinkDeploymentSpecFlinkVersion, FlinkDeploymentSpecJobUpgradeMode } from '../../imports/flinkdeployment-flink.apache.org';
import type { BuiltCharts } from '../components';
import { PlatformChart, recommendedLabels, selectorLabels } from '../lib/chart';
import { ConfigError } from '../lib/errors';
import { WorkloadIdentity } from '../lib/identity';
import { workloadNamespaces } from '../lib/namespaces';
import type { Platform } from '../lib/platform';
import { exposeMetrics } from '../lib/monitoring';
import { KeyVaultSecret } from '../lib/secrets';
import { FLINK_METRICS_PORT, FLINK_PROMETHEUS_REPORTER } from '../monitoring/flink-reporter';
import { syncWaves } from '../lib/sync-waves';
import { checksum, dnsEgress, namespacesPeer, quantityGiB, resources, restrictedContainer, restrictedPod, spreadAcrossZones, tcpEgress } from '../lib/workload';
import { PolarisChart, PolarisConsumer } from '../polaris';
import { POLARIS } from '../polaris/constants';
import { WARPSTREAM_PORTS } from '../warpstream/agent';
import { ApplicationSettings, FlinkSettings } from './settings';

/** Facts of the Flink 1.20.0 image and the operator's chart. */
export const FLINK = {
  version: FlinkDeploymentSpecFlinkVersion.V1_UNDERSCORE_20,
  /** The flink user of the official image (Dockerfile: useradd --uid 9999). */
  uid: 9999,
  restPort: 8081,
  gatewayPort: 8083,
  /** The Role the operator chart 1.15.0 creates in watched namespaces for job pods (rbac.jobRole.name). */
  jobRole: 'flink',
  mainContainer: 'flink-main-container',
  usrlib: '/opt/flink/usrlib',
  tokenProvider: 'io.github.akslakehouse.abfs.WorkloadIdentityTokenProvider',
} as const;

/**
 * Flink keys for ADLS through the workload identity: the custom token provider baked into the
 * image beside the azure-fs-hadoop plugin. hadoop-azure 3.3.4 accepts a custom provider only
 * with auth type Custom (AbfsConfiguration.getTokenProvider).
 */
const ABFS_KEYS = {
  'fs.azure.account.auth.type': 'Custom',
  'fs.azure.account.oauth.provider.type': FLINK.tokenProvider,
};

/**
 * Flink on the Flink Kubernetes Operator 1.15.0: a session cluster with the SQL Gateway, and
 * application deployments whose jar an init container fetches from the `flink` container with
 * the workload identity. Each workload kind has its own identity and prefix in `flink`.
 */
export class FlinkChart extends PlatformChart {
  constructor(scope: App, platform: Platform, settings: FlinkSettings, built: BuiltCharts) {
    super(scope, platform, { component: 'flink', syncWave: syncWaves.workloads });
    const envFile = `environments/${platform.env.name}.ts`;
    platform.registryImage('flink.image', settings.image, 'build');
    const polaris = built.require('polaris', PolarisChart, platform.env.name, 'Flink SQL keeps its tables in its catalog').consumer('flink');
    const names = settings.applications.map((a) => a.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i || n === 'session');
    if (dup) throw new ConfigError(envFile, 'components.flink.applications', dup, 'must have unique names other than session');

    const session = new FlinkCluster(this, 'session', platform, { settings, name: 'session', polaris });
    new SqlGateway(this, 'sql-gateway', { settings, session, polaris });
    for (const app of settings.applications) new FlinkCluster(this, app.name, platform, { settings, name: app.name, application: app, polaris });
  }
}

interface FlinkClusterProps {
  readonly settings: FlinkSettings;
  readonly name: string;
  readonly application?: ApplicationSettings;
  readonly polaris: PolarisConsumer;
}

/** One FlinkDeployment with its identity, its prefix in `flink`, RBAC and network policy. */
class FlinkCluster extends Construct {
  readonly deploymentName: string;
  readonly identity: WorkloadIdentity;
  readonly restService: string;

  constructor(scope: Construct, id: string, platform: Platform, props: FlinkClusterProps) {
    super(scope, id);
    const { settings, application: app } = props;
    const namespace = workloadNamespaces.flink;
    this.deploymentName = `flink-${props.name}`;
    this.restService = `${this.deploymentName}-rest`;
    const labels = recommendedLabels(this.deploymentName, app ? 'stream-application' : 'stream-session', '1.20.0');
    this.identity = new WorkloadIdentity(this, 'identity', platform, { identityName: this.deploymentName, namespace, labels });
    const flink = platform.lake.container('flink').grantReadWrite(this.identity);
    const prefix = `${platform.env.name}/${props.name}`;
    const jar = app ? flink.location(app.jar) : undefined;

    // The operator chart's job Role lets JobManagers create TaskManager pods and HA ConfigMaps.
    new k8s.KubeRoleBinding(this, 'role-binding', {
      metadata: { name: this.deploymentName, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: FLINK.jobRole },
      subjects: [{ kind: 'ServiceAccount', name: this.identity.serviceAccountName, namespace }],
    });

    const configuration: Record<string, string> = {
      ...ABFS_KEYS,
      'high-availability.type': 'kubernetes',
      'high-availability.storageDir': flink.location(`${prefix}/ha`).abfss(),
      'execution.checkpointing.dir': flink.location(`${prefix}/checkpoints`).abfss(),
      'execution.checkpointing.savepoint-dir': flink.location(`${prefix}/savepoints`).abfss(),
      'jobmanager.archive.fs.dir': flink.location(`${platform.env.name}/completed-jobs`).abfss(),
      'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
      'execution.checkpointing.interval': `${app?.checkpointIntervalSeconds ?? 60}s`,
      'state.backend.type': 'rocksdb',
      'execution.checkpointing.incremental': 'true',
      'taskmanager.numberOfTaskSlots': String(app ? app.taskManager.slots : settings.session.taskManager.slots),
      'kubernetes.operator.pod-template.merge-arrays-by-name': 'true',
      'kubernetes.operator.savepoint.history.max.count': '5',
      ...FLINK_PROMETHEUS_REPORTER,
    };

    const usrlib = { name: 'usrlib', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } };
    const fetchJar = jar && {
      name: 'fetch-job-jar',
      image: settings.image,
      imagePullPolicy: 'IfNotPresent',
      // curl and the pod's federated token: the client credentials exchange for a storage token, then a GET of the blob.
      command: ['sh', '-c', FETCH_JAR],
      env: [{ name: 'JAR_LOCATION', value: jar.abfss() }],
      resources: resources(0.25, 0.25),
      securityContext: restrictedContainer,
      volumeMounts: [{ name: 'usrlib', mountPath: FLINK.usrlib }],
    };

    const tm = app ? app.taskManager : settings.session.taskManager;
    const jm = app ? app.jobManager : settings.session.jobManager;
    new FlinkDeployment(this, 'Resource', {
      metadata: { name: this.deploymentName, namespace, labels },
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
          ...(app ? {} : { replicas: settings.session.taskManager.replicas }),
          resource: { cpu: tm.cpu, memory: quantityGiB(tm.memoryGiB) },
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
          // JobManager, TaskManagers and blob server talk among themselves; the operator and the gateway reach the REST API.
          { from: [{ podSelector: { matchLabels: { app: this.deploymentName } } }] },
          { from: [namespacesPeer([workloadNamespaces.flink, 'flink-operator'])], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(FLINK.restPort) }] },
        ],
        egress: [
          dnsEgress,
          { to: [{ podSelector: { matchLabels: { app: this.deploymentName } } }] },
          { to: [namespacesPeer([workloadNamespaces.warpstream])], ports: [WARPSTREAM_PORTS.kafka, WARPSTREAM_PORTS.schemaRegistry].map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })) },
          { to: [namespacesPeer([workloadNamespaces.polaris])], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(POLARIS.httpPort) }] },
          // The lake, Entra ID and the Kubernetes API server (443 on AKS).
          tcpEgress(443),
        ],
      },
    });
    // The operator labels the JobManager and TaskManager pods app=<deployment>.
    exposeMetrics(this, { name: this.deploymentName, namespace, labels, selector: { app: this.deploymentName }, port: FLINK_METRICS_PORT });
  }
}

/**
 * The init container's script: exchanges the federated token for a storage token (client
 * credentials with a client assertion) and downloads the jar from Blob storage, turning the
 * abfss:// location into its https:// blob URL.
 */
const FETCH_JAR = [
  'set -eu',
  'url=$(echo "$JAR_LOCATION" | sed -E "s#^abfss://([^@]+)@([^.]+)\\.dfs\\.core\\.windows\\.net/(.*)#https://\\2.blob.core.windows.net/\\1/\\3#")',
  'token=$(curl -sSf --retry 3 "${AZURE_AUTHORITY_HOST%/}/$AZURE_TENANT_ID/oauth2/v2.0/token" --data-urlencode grant_type=client_credentials --data-urlencode "client_id=$AZURE_CLIENT_ID" --data-urlencode scope=https://storage.azure.com/.default --data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer --data-urlencode "client_assertion@$AZURE_FEDERATED_TOKEN_FILE" | sed -E \'s/.*"access_token":"([^"]+)".*/\\1/\')',
  `curl -sSf --retry 3 -H "Authorization: Bearer $token" -H "x-ms-version: 2023-11-03" -o ${FLINK.usrlib}/job.jar "$url"`,
  'echo "fetched $JAR_LOCATION"',
].join('\n');

interface SqlGatewayProps {
  readonly settings: FlinkSettings;
  readonly session: FlinkCluster;
  readonly polaris: PolarisConsumer;
}

/**
 * The Flink SQL Gateway, submitting to the session cluster, with the Polaris catalog in a file
 * catalog store for every SQL session. It plans with the session's identity (it reads table
 * metadata from the lake), a reasoned sharing: the statements it plans run in that cluster.
 */
class SqlGateway extends Construct {
  constructor(scope: Construct, id: string, props: SqlGatewayProps) {
    super(scope, id);
    const { settings, session, polaris } = props;
    const namespace = workloadNamespaces.flink;
    const name = 'flink-sql-gateway';
    const labels = recommendedLabels(name, 'sql-gateway', '1.20.0');
    const selector = selectorLabels(name);
    const credentials = new KeyVaultSecret(this, 'polaris-secret', {
      namespace,
      secretName: 'flink-polaris',
      labels,
      keys: { clientId: polaris.keyVaultSecrets.clientId, clientSecret: polaris.keyVaultSecrets.clientSecret },
    });
    // Iceberg catalog options (iceberg-flink FlinkCatalogFactory, REST catalog and ADLSFileIO); the
    // credential is added at start from the Key Vault secret, never written here.
    const catalog: Record<string, string> = {
      type: 'iceberg',
      'catalog-type': 'rest',
      uri: polaris.catalogUri,
      warehouse: polaris.warehouse,
      'oauth2-server-uri': polaris.oauthTokenUri,
      scope: polaris.scope,
      'io-impl': 'org.apache.iceberg.azure.adlsv2.ADLSFileIO',
      ...Object.fromEntries(Object.entries(polaris.headers).map(([k, v]) => [`header.${k}`, v])),
    };
    const catalogYaml = Object.entries(catalog).map(([k, v]) => `${k}: "${v}"`).join('\n');
    const dynamic: Record<string, string> = {
      ...ABFS_KEYS,
      'sql-gateway.endpoint.rest.address': '0.0.0.0',
      'sql-gateway.endpoint.rest.port': String(FLINK.gatewayPort),
      'rest.address': `${session.restService}.${namespace}.svc`,
      'rest.port': String(FLINK.restPort),
      'execution.target': 'remote',
      'table.catalog-store.kind': 'file',
      'table.catalog-store.file.path': '/catalogs',
    };
    const start = [
      'set -eu',
      `printf '%s\\ncredential: "%s:%s"\\n' "$CATALOG" "$POLARIS_CLIENT_ID" "$POLARIS_CLIENT_SECRET" > /catalogs/${polaris.warehouse}.yaml`,
      `exec /opt/flink/bin/sql-gateway.sh start-foreground ${Object.entries(dynamic).map(([k, v]) => `-D${k}=${v}`).join(' ')}`,
    ].join('\n');
    new k8s.KubeDeployment(this, 'Resource', {
      metadata: {
        name,
        namespace,
        labels,
        annotations: {
          'checkov.io/skip1': 'CKV_K8S_35=the catalog file needs the Polaris credential; it is written at start into a memory volume, never to the image or a ConfigMap',
          'checkov.io/skip2': 'CKV_K8S_40=the official Flink image installs Flink for its flink user, uid 9999',
        },
      },
      spec: {
        replicas: settings.sqlGateway.replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...labels, ...WorkloadIdentity.podLabels }, annotations: { 'checksum/config': checksum({ start, catalogYaml }) } },
          spec: {
            serviceAccountName: session.identity.serviceAccountName,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(FLINK.uid),
            topologySpreadConstraints: spreadAcrossZones(selector),
            containers: [
              {
                name: 'sql-gateway',
                image: settings.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', start],
                env: [
                  { name: 'CATALOG', value: catalogYaml },
                  { name: 'POLARIS_CLIENT_ID', valueFrom: { secretKeyRef: { name: credentials.secretName, key: 'clientId' } } },
                  { name: 'POLARIS_CLIENT_SECRET', valueFrom: { secretKeyRef: { name: credentials.secretName, key: 'clientSecret' } } },
                ],
                ports: [{ name: 'rest', containerPort: FLINK.gatewayPort, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/v1/info', port: k8s.IntOrString.fromString('rest') }, initialDelaySeconds: 10, periodSeconds: 10 },
                livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('rest') }, initialDelaySeconds: 30, periodSeconds: 20, failureThreshold: 6 },
                resources: resources(settings.sqlGateway.cpu, settings.sqlGateway.memoryGiB),
                securityContext: restrictedContainer,
                volumeMounts: [
                  { name: 'catalogs', mountPath: '/catalogs' },
                  { name: 'tmp', mountPath: '/tmp' },
                  // sql-gateway.sh logs to $FLINK_LOG_DIR and keeps its pid file in /tmp.
                  { name: 'log', mountPath: '/opt/flink/log' },
                ],
              },
            ],
            volumes: [
              { name: 'catalogs', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
              { name: 'log', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
            ],
          },
        },
      },
    });
    new k8s.KubeService(this, 'service', {
      metadata: { name, namespace, labels },
      spec: { type: 'ClusterIP', selector, ports: [{ name: 'rest', port: FLINK.gatewayPort, targetPort: k8s.IntOrString.fromString('rest'), protocol: 'TCP' }] },
    });
    new k8s.KubePodDisruptionBudget(this, 'pdb', { metadata: { name, namespace, labels }, spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } } });
    new k8s.KubeNetworkPolicy(this, 'network-policy', {
      metadata: { name, namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [namespacesPeer(Object.values(workloadNamespaces))], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(FLINK.gatewayPort) }] }],
        egress: [
          dnsEgress,
          { to: [{ podSelector: { matchLabels: { app: session.deploymentName } } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(FLINK.restPort) }] },
          { to: [namespacesPeer([workloadNamespaces.polaris])], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(POLARIS.httpPort) }] },
          tcpEgress(443),
        ],
      },
    });
  }
}
