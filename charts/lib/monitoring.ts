import { k8s } from 'cdk8s-plus-28';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { PlatformChart } from './chart';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsScheme } from '../../imports/podmonitor-azmonitoring.coreos.com';

/**
 * The scraper of Azure Monitor managed service for Prometheus (the AKS metrics add-on): the
 * `ama-metrics` Deployment in kube-system reads PodMonitor and ServiceMonitor objects of the
 * group azmonitoring.coreos.com in every namespace and scrapes their targets. Its pods carry
 * `rsName: ama-metrics` and run on the pod network, not the host's (Azure/prometheus-collector
 * v7.1.1, otelcollector/deploy/addon-chart/azure-monitor-metrics-addon/templates/ama-metrics-deployment.yaml).
 */
export const MANAGED_PROMETHEUS_SCRAPER = { namespace: 'kube-system', podLabels: { rsName: 'ama-metrics' } } as const;

/** How often the scraper reads a target unless the endpoint says otherwise. */
export const DEFAULT_SCRAPE_INTERVAL = '30s';

export interface MetricsEndpointOptions {
  /** Name of the PodMonitor and of the NetworkPolicy that admits the scraper (`<name>-metrics`). */
  readonly name: string;
  readonly namespace: string;
  /** Labels of the pods that serve the metrics. */
  readonly selector: Record<string, string>;
  /** Container port that serves the metrics. */
  readonly port: number;
  /**
   * HTTP path of the metrics.
   *
   * @default '/metrics'
   */
  readonly path?: string;
  /**
   * Scrape interval, as a Prometheus duration.
   *
   * @default '30s'
   */
  readonly interval?: string;
  /** Labels of the PodMonitor and NetworkPolicy (the component's recommended labels). */
  readonly labels?: Record<string, string>;
  /**
   * Keep the program's own labels where they collide with the scraper's target labels: for
   * controllers whose `namespace` label names the object they report on, not their own pod's
   * namespace (otherwise it would arrive renamed to `exported_namespace`).
   *
   * @default false
   */
  readonly honorLabels?: boolean;
  /**
   * Basic auth from a Secret in the PodMonitor's namespace, keys `username` and `password`. The
   * add-on's target allocator resolves it as prometheus-operator v0.92 does (both keys must exist,
   * an empty value is sent as empty), reading the Secret with its cluster-wide secrets grant on
   * Kubernetes < 1.37 (prometheus-collector v7.1.1: ama-metrics-clusterRole.yaml,
   * internal/docs/secret-restriction-changes.md).
   */
  readonly basicAuthSecret?: string;
  /**
   * HTTPS without verifying the server's certificate: the scraper dials the pod IP, which the
   * certificate does not name. Say why in `reason`; the channel is still encrypted.
   */
  readonly https?: { readonly verifyServer: false; readonly reason: string };
}

/**
 * "My pods serve Prometheus metrics on port X, path Y": a PodMonitor the managed Prometheus
 * scraper reads, and a NetworkPolicy that admits that scraper, and nothing else, to the port.
 * NetworkPolicies add up, so the component's own policy stays as it is.
 */
export class MetricsEndpoint extends Construct {
  readonly podMonitor: PodMonitor;
  readonly port: number;
  readonly path: string;

  constructor(scope: Construct, id: string, options: MetricsEndpointOptions) {
    super(scope, id);
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
      throw new Error(`metrics endpoint ${options.name}: port (${options.port}) must be 1-65535`);
    }
    this.port = options.port;
    this.path = options.path ?? '/metrics';
    if (!this.path.startsWith('/')) throw new Error(`metrics endpoint ${options.name}: path (${this.path}) must start with /`);
    if (options.https && !options.https.reason.trim()) throw new Error(`metrics endpoint ${options.name}: https.reason must say why the certificate is not verified`);
    const metadata = { name: options.name, namespace: options.namespace, labels: options.labels };
    const secretKey = (key: string) => ({ name: options.basicAuthSecret!, key });
    this.podMonitor = new PodMonitor(this, 'Resource', {
      metadata,
      spec: {
        selector: { matchLabels: options.selector },
        podMetricsEndpoints: [
          {
            portNumber: this.port,
            path: this.path,
            interval: options.interval ?? DEFAULT_SCRAPE_INTERVAL,
            scheme: options.https ? PodMonitorSpecPodMetricsEndpointsScheme.HTTPS : PodMonitorSpecPodMetricsEndpointsScheme.HTTP,
            ...(options.honorLabels ? { honorLabels: true } : {}),
            ...(options.https ? { tlsConfig: { insecureSkipVerify: true } } : {}),
            ...(options.basicAuthSecret ? { basicAuth: { username: secretKey('username'), password: secretKey('password') } } : {}),
          },
        ],
      },
    });
    new k8s.KubeNetworkPolicy(this, 'scraper', {
      metadata: { ...metadata, name: `${options.name}-metrics` },
      spec: {
        podSelector: { matchLabels: options.selector },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MANAGED_PROMETHEUS_SCRAPER.namespace } },
                podSelector: { matchLabels: { ...MANAGED_PROMETHEUS_SCRAPER.podLabels } },
              },
            ],
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(this.port) }],
          },
        ],
      },
    });
  }
}

/**
 * Declares a metrics endpoint of a component; see {@link MetricsEndpoint}. Only in an environment
 * with `monitoring`: the PodMonitor kind exists once the metrics add-on is on (npm run deploy
 * turns it on for such environments), and a kind the cluster lacks fails the whole sync.
 */
export function exposeMetrics(scope: Construct, options: MetricsEndpointOptions): MetricsEndpoint | undefined {
  const chart: Chart = Chart.of(scope);
  if (chart instanceof PlatformChart && !(chart as PlatformChart).platform.env.monitoring) return undefined;
  return new MetricsEndpoint(scope, `${options.name}-metrics`, options);
}
