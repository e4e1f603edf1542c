import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { recommendedLabels, selectorLabels } from '../lib/chart';
import { WorkloadIdentity } from '../lib/identity';
import { workloadNamespaces } from '../lib/namespaces';
import { KeyVaultSecret } from '../lib/secrets';
import { budgetAndPolicy, checksum, dnsEgress, namespacesPeer, resources, restrictedContainer, restrictedPod, spreadAcrossZones, tcpEgress } from '../lib/workload';
import type { PolarisConsumer } from '../polaris';
import { POLARIS } from '../polaris/constants';
import type { FlinkCluster } from '.';
import { ABFS_KEYS, FLINK } from './constants';
import type { FlinkSettings } from './settings';

/** The label a pod in the flink namespace needs to reach the SQL Gateway (it has no authentication of its own). */
export const SQL_CLIENT_LABEL = { 'lakehouse.io/flink-sql-client': 'true' };

interface SqlGatewayProps {
  readonly settings: FlinkSettings;
  readonly session: FlinkCluster;
  readonly polaris: PolarisConsumer;
}

/** Iceberg catalog options (iceberg-flink FlinkCatalogFactory, REST catalog and ADLSFileIO), without the credential. */
export function catalogOptions(polaris: PolarisConsumer): Record<string, string> {
  return {
    type: 'iceberg',
    'catalog-type': 'rest',
    uri: polaris.catalogUri,
    warehouse: polaris.warehouse,
    'oauth2-server-uri': polaris.oauthTokenUri,
    scope: polaris.scope,
    'io-impl': 'org.apache.iceberg.azure.adlsv2.ADLSFileIO',
    ...Object.fromEntries(Object.entries(polaris.headers).map(([k, v]) => [`header.${k}`, v])),
  };
}

/** Catalog options as the lines of a Flink catalog store file (`key: "value"`). */
export const catalogYaml = (options: Record<string, string>) =>
  Object.entries(options)
    .map(([k, v]) => `${k}: "${v}"`)
    .join('\n');

/**
 * The Flink SQL Gateway, submitting to the session cluster, with the Polaris catalog in a file
 * catalog store for every SQL session. It plans with the session's identity (it reads table
 * metadata from the lake), a reasoned sharing: the statements it plans run in that cluster.
 */
export class SqlGateway extends Construct {
  constructor(scope: Construct, id: string, props: SqlGatewayProps) {
    super(scope, id);
    const { settings, session, polaris } = props;
    const namespace = workloadNamespaces.flink;
    const name = 'flink-sql-gateway';
    const labels = recommendedLabels(name, 'sql-gateway', FLINK.release);
    const selector = selectorLabels(name);
    const credentials = new KeyVaultSecret(this, 'polaris-secret', {
      namespace,
      secretName: 'flink-polaris',
      labels,
      keys: { clientId: polaris.keyVaultSecrets.clientId, clientSecret: polaris.keyVaultSecrets.clientSecret },
    });
    // The credential is added at start from the Key Vault secret, never written here.
    const catalog = catalogYaml(catalogOptions(polaris));
    const dynamic: Record<string, string> = {
      ...ABFS_KEYS,
      // Flink 1.20 builds the job's CheckpointConfig on the client: the gateway sends the interval and
      // retention with each job, or a streaming INSERT INTO an Iceberg table never commits.
      ...session.jobDefaults,
      'sql-gateway.endpoint.rest.address': '0.0.0.0',
      'sql-gateway.endpoint.rest.port': String(FLINK.gatewayPort),
      'rest.address': `${session.restService}.${namespace}.svc`,
      'rest.port': String(FLINK.restPort),
      'execution.target': 'remote',
      'table.catalog-store.kind': 'file',
      'table.catalog-store.file.path': '/catalogs',
      // The heap follows the container (the JVM default is a quarter of it).
      'env.java.opts.sql-gateway': '-XX:MaxRAMPercentage=70',
    };
    const start = [
      'set -eu',
      `printf '%s\\ncredential: "%s:%s"\\n' "$CATALOG" "$POLARIS_CLIENT_ID" "$POLARIS_CLIENT_SECRET" > /catalogs/${polaris.warehouse}.yaml`,
      `exec /opt/flink/bin/sql-gateway.sh start-foreground ${Object.entries(dynamic)
        .map(([k, v]) => `-D${k}=${v}`)
        .join(' ')}`,
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
          metadata: { labels: { ...labels, ...WorkloadIdentity.podLabels }, annotations: { 'checksum/config': checksum({ start, catalog }) } },
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
                  { name: 'CATALOG', value: catalog },
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
    // A SQL session lives in one gateway process and Flink's REST client opens a new connection per
    // request: with ClientIP affinity every request of a client reaches the replica holding its
    // session, for as long as the gateway keeps an idle session (sql-gateway.session.idle-timeout, 10 min).
    new k8s.KubeService(this, 'service', {
      metadata: { name, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIp: { timeoutSeconds: 600 } },
        ports: [{ name: 'rest', port: FLINK.gatewayPort, targetPort: k8s.IntOrString.fromString('rest'), protocol: 'TCP' }],
      },
    });
    // The gateway has no authentication: only labelled pods of the flink namespace (and kubectl
    // port-forward, which needs pods/portforward there) reach it.
    budgetAndPolicy(this, { name, namespace, labels }, selector, {
      ingress: [{ from: [{ podSelector: { matchLabels: SQL_CLIENT_LABEL } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(FLINK.gatewayPort) }] }],
      egress: [
        dnsEgress,
        { to: [{ podSelector: { matchLabels: { app: session.deploymentName } } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(FLINK.restPort) }] },
        { to: [namespacesPeer([workloadNamespaces.polaris])], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(POLARIS.httpPort) }] },
        tcpEgress(443),
      ],
    });
  }
}
