import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { FLINK_OPERATOR_SELECTOR } from '../argocd/operators';
import { PlatformChart, recommendedLabels } from '../lib/chart';
import { operatorNamespaces } from '../lib/namespaces';
import type { Platform } from '../lib/platform';
import { syncWaves } from '../lib/sync-waves';

/**
 * PodDisruptionBudgets for operator charts that run several replicas but ship no budget of
 * their own: the Flink Kubernetes Operator 1.15.0 chart has no PDB template. (cert-manager,
 * ESO and Strimzi render theirs from Helm values.) Rendered only with highly available operators.
 */
export class OperatorBudgetsChart extends PlatformChart {
  constructor(scope: Construct, platform: Platform) {
    super(scope, platform, { component: 'operator-budgets', syncWave: syncWaves.operators });
    new k8s.KubePodDisruptionBudget(this, 'flink-kubernetes-operator', {
      metadata: {
        name: 'flink-kubernetes-operator',
        namespace: operatorNamespaces.flinkOperator,
        labels: recommendedLabels('flink-kubernetes-operator', 'operator'),
      },
      spec: {
        minAvailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: { ...FLINK_OPERATOR_SELECTOR } },
        // A crash-looping replica must not block node drains (PDB unhealthyPodEvictionPolicy, Kubernetes 1.31 GA).
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }
}
