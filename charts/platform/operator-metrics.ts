import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { FLINK_OPERATOR_SELECTOR, helmOperators, OPERATOR_METRICS } from '../argocd/operators';
import { PlatformChart, recommendedLabels } from '../lib/chart';
import { exposeMetrics } from '../lib/monitoring';
import { operatorNamespaces } from '../lib/namespaces';
import type { Platform } from '../lib/platform';
import { syncWaves } from '../lib/sync-waves';

/**
 * The port of the Flink operator's admission webhook: a second container of the operator pod
 * (chart 1.15.0 templates/controller/deployment.yaml, WEBHOOK_SERVER_PORT "9443"; the webhook
 * Service targets it).
 */
export const FLINK_OPERATOR_WEBHOOK_PORT = 9443;

/**
 * A PodMonitor for each operator's controller and the NetworkPolicy that admits the managed
 * Prometheus scraper to it, in the operators' namespaces (which their Applications create,
 * hence the wave after theirs). A NetworkPolicy isolates the pods it selects, so the Flink
 * operator pod, which also serves the admission webhook, gets a policy admitting the API server
 * to the webhook port; it comes from outside the pod network, so no source is named.
 */
export class OperatorMetricsChart extends PlatformChart {
  constructor(scope: Construct, platform: Platform) {
    super(scope, platform, { component: 'operator-metrics', syncWave: syncWaves.operatorMetrics });
    for (const op of helmOperators) {
      const { selector, port } = OPERATOR_METRICS[op.name as keyof typeof OPERATOR_METRICS];
      // Their metrics name the namespace of the object they report on (an ExternalSecret, a
      // Certificate, a Kafka Connect cluster): that label must survive the scrape.
      exposeMetrics(this, { name: op.name, namespace: op.namespace, selector: { ...selector }, port, labels: recommendedLabels(op.name, 'monitoring'), honorLabels: true });
    }
    new k8s.KubeNetworkPolicy(this, 'flink-operator-webhook', {
      metadata: {
        name: 'flink-kubernetes-operator-webhook',
        namespace: operatorNamespaces.flinkOperator,
        labels: recommendedLabels('flink-kubernetes-operator', 'monitoring'),
      },
      spec: {
        podSelector: { matchLabels: { ...FLINK_OPERATOR_SELECTOR } },
        policyTypes: ['Ingress'],
        ingress: [{ ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(FLINK_OPERATOR_WEBHOOK_PORT) }] }],
      },
    });
  }
}
