import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PlatformChart, recommendedLabels } from '../lib/chart';
import { workloadNamespaces } from '../lib/namespaces';
import type { Platform } from '../lib/platform';
import { syncWaves } from '../lib/sync-waves';

/**
 * The workload namespaces, enforcing the Restricted Pod Security Standard. Operator
 * namespaces are created by their own Applications.
 */
export class NamespacesChart extends PlatformChart {
  constructor(scope: Construct, platform: Platform) {
    super(scope, platform, { component: 'namespaces', syncWave: syncWaves.namespaces });
    for (const name of Object.values(workloadNamespaces).sort()) {
      new k8s.KubeNamespace(this, name, {
        metadata: {
          name,
          labels: {
            ...recommendedLabels(name, 'namespace'),
            // kubernetes.io/docs/concepts/security/pod-security-admission
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'latest',
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/audit': 'restricted',
          },
        },
      });
    }
  }
}
