import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { recommendedLabels, selectorLabels } from '../lib/chart';
import { exposeMetrics } from '../lib/monitoring';
import { budgetAndPolicy, checksum, dnsEgress, restrictedContainer, tcpEgress } from '../lib/workload';

export interface WarpstreamMetricsPodProps {
  /** Name of the agent pool; the pod is `<pool>-cluster-metrics` (the chart's `<name>-metrics` is our scraper policy's name). */
  readonly pool: string;
  readonly namespace: string;
  readonly image: string;
  /** The pool's ConfigMap (bucket, region, Prometheus switch), read as environment. */
  readonly configMap: string;
  readonly config: Record<string, string>;
  /** The pool's Secret with `agent-key` and `virtual-cluster-id`. */
  readonly secretName: string;
  readonly agentKeyPath: { readonly dir: string; readonly file: string };
  readonly httpPort: number;
}

/**
 * The pool's dedicated metrics pod, as warpstream-agent chart 1.0.82 runs it by default
 * (`dedicatedMetricsPod.enabled: true`, templates/deployment-metrics.yaml): one replica of the
 * agent image in `metrics` mode publishes the cluster's metrics (those of the virtual cluster, not
 * of one agent) on `/metrics`, and the agents run with `-disablePublishMetricsJob` so they are not
 * published twice. It talks to the WarpStream control plane with the agent key only: no
 * bucket access, no Kubernetes API (its service account has no token).
 */
export class WarpstreamMetricsPod extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: WarpstreamMetricsPodProps) {
    super(scope, id);
    const name = `${props.pool}-cluster-metrics`;
    this.name = name;
    const { namespace } = props;
    const version = props.image.split(/[:@]/).pop();
    const labels = recommendedLabels(name, 'metrics', version);
    const selector = selectorLabels(name);
    // Sized as the chart's dedicatedMetricsPod.resources (requests 1 CPU, 100Mi; limit 100Mi).
    const memory = k8s.Quantity.fromString('100Mi');
    const status = { httpGet: { path: '/v1/status', port: k8s.IntOrString.fromString('http') }, initialDelaySeconds: 30, periodSeconds: 5 };

    new k8s.KubeServiceAccount(this, 'service-account', { metadata: { name, namespace, labels }, automountServiceAccountToken: false });
    new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name, namespace, labels, annotations: { 'checkov.io/skip1': 'CKV_K8S_35=the virtual cluster ID is an identifier, not a credential; the agent key is a file' } },
      spec: {
        replicas: 1,
        revisionHistoryLimit: 10,
        selector: { matchLabels: selector },
        // One replica publishes; two would publish twice (chart: maxSurge 0).
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(0), maxUnavailable: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels, annotations: { 'checksum/config': checksum(props.config) } },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'warpstream',
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                args: ['metrics', '-agentKeyPath', `${props.agentKeyPath.dir}/${props.agentKeyPath.file}`],
                envFrom: [{ configMapRef: { name: props.configMap } }],
                env: [
                  { name: 'WARPSTREAM_DEFAULT_VIRTUAL_CLUSTER_ID', valueFrom: { secretKeyRef: { name: props.secretName, key: 'virtual-cluster-id' } } },
                  { name: 'GOMAXPROCS', value: '1' },
                ],
                ports: [{ name: 'http', containerPort: props.httpPort, protocol: 'TCP' }],
                readinessProbe: status,
                livenessProbe: { ...status, failureThreshold: 5 },
                resources: {
                  requests: { cpu: k8s.Quantity.fromString('1'), memory, 'ephemeral-storage': k8s.Quantity.fromString('100Mi') },
                  limits: { memory },
                },
                securityContext: restrictedContainer,
                volumeMounts: [{ name: 'agent-key', mountPath: props.agentKeyPath.dir, readOnly: true }],
              },
            ],
            volumes: [{ name: 'agent-key', secret: { secretName: props.secretName, items: [{ key: 'agent-key', path: props.agentKeyPath.file }], defaultMode: 0o440 } }],
          },
        },
      },
    });
    // Out: DNS and the control plane over HTTPS. In: only the metrics scraper (exposeMetrics).
    budgetAndPolicy(this, { name, namespace, labels }, selector, { ingress: [], egress: [dnsEgress, tcpEgress(443)] });
    exposeMetrics(this, { name, namespace, labels, selector, port: props.httpPort });
  }
}
