import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { Platform } from '../lib/platform';
import { recommendedLabels, selectorLabels } from '../lib/chart';
import { WorkloadIdentity } from '../lib/identity';
import { workloadNamespaces } from '../lib/namespaces';
import { budgetAndPolicy, checksum, dnsEgress, resources, restrictedContainer, restrictedPod, tcpEgress } from '../lib/workload';
import type { FlinkCluster } from '.';
import { ABFS_KEYS, FLINK } from './constants';
import { SQL_CLIENT_LABEL } from './gateway';
import type { FlinkSettings } from './settings';

interface HistoryServerProps {
  readonly settings: FlinkSettings;
  readonly clusters: readonly FlinkCluster[];
}

/** A Flink configuration file in YAML (Flink 1.20 config.yaml), flat keys, values quoted. */
const configYaml = (entries: Record<string, string>) =>
  Object.entries(entries)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join('\n') + '\n';

/**
 * The Flink HistoryServer: serves the jobs every cluster archived (jobmanager.archive.fs.dir), with
 * an identity that only reads the clusters' state containers. Its configuration is a ConfigMap used
 * as FLINK_CONF_DIR (historyserver.sh takes no dynamic properties).
 */
export class HistoryServer extends Construct {
  constructor(scope: Construct, id: string, platform: Platform, props: HistoryServerProps) {
    super(scope, id);
    const namespace = workloadNamespaces.flink;
    const name = 'flink-history-server';
    const labels = recommendedLabels(name, 'history-server', FLINK.release);
    const selector = selectorLabels(name);
    const identity = new WorkloadIdentity(this, 'identity', platform, { identityName: name, namespace, labels });
    const archives = props.clusters.map((c) => platform.lake.container(c.archive.container.name).grantRead(identity).location(c.archive.path).abfss());
    const files = {
      'config.yaml': configYaml({
        ...ABFS_KEYS,
        'historyserver.archive.fs.dir': archives.join(','),
        'historyserver.archive.fs.refresh-interval': '30 s',
        'historyserver.web.address': '0.0.0.0',
        'historyserver.web.port': String(FLINK.historyPort),
        'historyserver.web.tmpdir': '/opt/flink/history-web',
        // The heap follows the container (the JVM default is a quarter of it).
        'env.java.opts.historyserver': '-XX:MaxRAMPercentage=70',
      }),
      'log4j-console.properties': ['rootLogger.level = INFO', 'rootLogger.appenderRef.console.ref = console', 'appender.console.name = console', 'appender.console.type = CONSOLE', 'appender.console.layout.type = PatternLayout', 'appender.console.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n', ''].join('\n'),
    };
    new k8s.KubeConfigMap(this, 'config', { metadata: { name, namespace, labels }, data: files });
    new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name, namespace, labels, annotations: { 'checkov.io/skip1': 'CKV_K8S_40=the official Flink image installs Flink for its flink user, uid 9999' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...labels, ...WorkloadIdentity.podLabels }, annotations: { 'checksum/config': checksum(files) } },
          spec: {
            serviceAccountName: identity.serviceAccountName,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(FLINK.uid),
            containers: [
              {
                name: 'history-server',
                image: props.settings.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['/opt/flink/bin/historyserver.sh', 'start-foreground'],
                env: [{ name: 'FLINK_CONF_DIR', value: '/opt/flink/history-conf' }],
                ports: [{ name: 'web', containerPort: FLINK.historyPort, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/config', port: k8s.IntOrString.fromString('web') }, initialDelaySeconds: 10, periodSeconds: 10 },
                livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('web') }, initialDelaySeconds: 30, periodSeconds: 20, failureThreshold: 6 },
                resources: resources(0.25, 1),
                securityContext: restrictedContainer,
                volumeMounts: [
                  { name: 'config', mountPath: '/opt/flink/history-conf', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'log', mountPath: '/opt/flink/log' },
                  // The HistoryServer unpacks the archives it serves here.
                  { name: 'web', mountPath: '/opt/flink/history-web' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('2Gi') } },
              { name: 'log', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
              { name: 'web', emptyDir: { sizeLimit: k8s.Quantity.fromString('2Gi') } },
            ],
          },
        },
      },
    });
    new k8s.KubeService(this, 'service', {
      metadata: { name, namespace, labels },
      spec: { type: 'ClusterIP', selector, ports: [{ name: 'web', port: FLINK.historyPort, targetPort: k8s.IntOrString.fromString('web'), protocol: 'TCP' }] },
    });
    budgetAndPolicy(this, { name, namespace, labels }, selector, {
      ingress: [{ from: [{ podSelector: { matchLabels: SQL_CLIENT_LABEL } }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(FLINK.historyPort) }] }],
      // The lake and Entra ID.
      egress: [dnsEgress, tcpEgress(443)],
    });
  }
}
