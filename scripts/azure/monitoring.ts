import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../../charts/components';
import type { MonitoringJson } from '../../charts/monitoring';
import type { Az } from './round-trip';

/**
 * The deploy step of monitoring, after the Bicep deployment made the workspace and Grafana:
 * connect the cluster to the workspace (once) and import the dashboards. Call it from the deploy
 * command with the same `az` runner; it only reads bicep/env/<env>.monitoring.json.
 */

/** The Managed Grafana name bicep/modules/monitoring.bicep gives: amg- and the prefix without hyphens, 23 characters at most. */
export const grafanaName = (namePrefix: string) => `amg-${namePrefix.replace(/-/g, '').slice(0, 19)}`;

export const workspaceId = (env: Environment) =>
  `/subscriptions/${env.azure.subscriptionId}/resourceGroups/${env.azure.resourceGroup}/providers/Microsoft.Monitor/accounts/amw-${env.azure.namePrefix}`;

export class MonitoringDeployError extends Error {}

export interface MonitoringDeployProps {
  readonly root: string;
  readonly env: Environment;
  readonly az: Az;
  readonly log: (line: string) => void;
}

export function deployMonitoring({ root, env, az, log }: MonitoringDeployProps): void {
  if (!env.monitoring) return;
  const file = join(root, 'bicep', 'env', `${env.name}.monitoring.json`);
  const monitoring = JSON.parse(readFileSync(file, 'utf8')) as MonitoringJson;
  const { aks, subscriptionId, resourceGroup, namePrefix } = env.azure;
  const must = (args: string[], what: string) => {
    const call = az(args);
    if (call.status !== 0) throw new MonitoringDeployError(`${what} failed: ${call.stderr.trim().split('\n')[0] ?? ''}`);
    return call.stdout;
  };

  // The AKS metrics add-on for an existing cluster: `az aks update --enable-azure-monitor-metrics`
  // (learn.microsoft.com, "Enable Prometheus metrics collection"), which creates the data collection
  // endpoint, rule and association for the given workspace. Only when it is off: a second deploy is a no-op.
  const cluster = ['--subscription', subscriptionId, '--resource-group', aks.resourceGroup, '--name', aks.clusterName];
  const enabled = must(['aks', 'show', ...cluster, '--query', 'azureMonitorProfile.metrics.enabled', '--output', 'tsv'], 'az aks show').trim();
  if (enabled === 'true') {
    log(`monitoring: ${aks.clusterName} already sends metrics to Azure Monitor`);
  } else {
    log(`monitoring: connecting ${aks.clusterName} to amw-${namePrefix}`);
    must(['aks', 'update', ...cluster, '--enable-azure-monitor-metrics', '--azure-monitor-workspace-resource-id', workspaceId(env), '--output', 'none'], 'az aks update --enable-azure-monitor-metrics');
  }

  // Dashboards by uid, overwritten in place: importing the same models again changes nothing.
  const work = mkdtempSync(join(tmpdir(), 'dashboards-'));
  try {
    for (const [uid, dashboard] of Object.entries(monitoring.dashboards).sort(([a], [b]) => a.localeCompare(b))) {
      const path = join(work, `${uid}.json`);
      writeFileSync(path, JSON.stringify(dashboard));
      must(['grafana', 'dashboard', 'create', '--subscription', subscriptionId, '--resource-group', resourceGroup, '--name', grafanaName(namePrefix), '--definition', `@${path}`, '--overwrite', 'true', '--output', 'none'], `az grafana dashboard create ${uid}`);
      log(`monitoring: dashboard ${uid}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
