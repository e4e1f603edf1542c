import type { Environment } from '../components';
import { POLARIS_DB_POOL_MAX_SIZE, postgresServerName } from '../polaris/constants';
import { monitoringJson, MonitoringInput, MonitoringJson } from './index';

/** Where the runbooks (docs/monitoring.md) of the environment's revision are browsed, for the alerts' links. */
export function runbooksUrl(repoURL: string, revision: string): string {
  const https = repoURL.replace(/^git@([^:]+):/, 'https://$1/').replace(/^ssh:\/\/git@/, 'https://').replace(/\.git$/, '');
  return `${https}/blob/${revision}/docs/monitoring.md`;
}

/** The monitoring inputs of an environment, or undefined when it has no `monitoring`. */
export function monitoringInput(env: Environment): MonitoringInput | undefined {
  if (!env.monitoring) return undefined;
  const components = env.components as Record<string, unknown>;
  const polaris = components.polaris as { replicas: number } | undefined;
  const sinks = (components['kafka-connect'] as { sinks?: { commitIntervalSeconds: number }[] } | undefined)?.sinks ?? [];
  return {
    env: env.name,
    settings: env.monitoring,
    components: new Set(Object.keys(components).filter((c) => components[c] !== undefined)),
    trinoWorkers: (components.trino as { workers?: { replicas: number } } | undefined)?.workers?.replicas,
    connectCommitIntervalSeconds: sinks.length ? Math.max(...sinks.map((s) => s.commitIntervalSeconds)) : undefined,
    cluster: {
      resourceId: `/subscriptions/${env.azure.subscriptionId}/resourceGroups/${env.azure.aks.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${env.azure.aks.clusterName}`,
      name: env.azure.aks.clusterName,
    },
    runbooksUrl: runbooksUrl(env.gitops.repoURL, env.gitops.targetRevision),
    database: polaris && { serverName: postgresServerName({ env }), polarisReplicas: polaris.replicas, poolMaxSize: POLARIS_DB_POOL_MAX_SIZE },
  };
}

export function environmentMonitoring(env: Environment): MonitoringJson | undefined {
  const input = monitoringInput(env);
  return input && monitoringJson(input);
}
