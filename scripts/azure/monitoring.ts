import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../../charts/components';
import type { MonitoringJson } from '../../charts/monitoring';
import type { Az } from './round-trip';

/**
 * The deploy step of monitoring, after the deployment stack made the workspace and Grafana:
 * connect the cluster to the workspace (once) and import the dashboards. `npm run deploy`
 * calls it with the same `az` runner; it reads only bicep/env/<env>.monitoring.json.
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

const firstLine = (text: string) => text.trim().split('\n')[0] ?? '';
const clusterArgs = ({ azure: { aks, subscriptionId } }: Environment) => ['--subscription', subscriptionId, '--resource-group', aks.resourceGroup, '--name', aks.clusterName];

function readMonitoring(root: string, env: Environment): MonitoringJson {
  return JSON.parse(readFileSync(join(root, 'bicep', 'env', `${env.name}.monitoring.json`), 'utf8')) as MonitoringJson;
}

/**
 * `az grafana` lives in the Azure CLI extension amg. Without it, az would offer to install it
 * interactively in the middle of a deploy: check before anything changes.
 */
export function checkMonitoringTools({ env, az }: MonitoringDeployProps): void {
  if (!env.monitoring) return;
  if (az(['extension', 'show', '--name', 'amg', '--output', 'none']).status !== 0) {
    throw new MonitoringDeployError(`environments/${env.name}.ts has monitoring, whose dashboards are imported with \`az grafana\`: run \`az extension add --name amg\`, then retry`);
  }
}

/** Whether the cluster already sends metrics to Azure Monitor (the AKS metrics add-on). */
function metricsEnabled({ env, az }: MonitoringDeployProps): boolean {
  const call = az(['aks', 'show', ...clusterArgs(env), '--query', 'azureMonitorProfile.metrics.enabled', '--output', 'tsv']);
  if (call.status !== 0) throw new MonitoringDeployError(`az aks show failed: ${firstLine(call.stderr)}`);
  return call.stdout.trim() === 'true';
}

/** What deploy would do for monitoring, for `npm run what-if`. */
export function monitoringPlan(props: MonitoringDeployProps): string[] {
  const { env, root } = props;
  if (!env.monitoring) return [];
  const { aks, namePrefix } = env.azure;
  const dashboards = Object.keys(readMonitoring(root, env).dashboards).length;
  return [
    metricsEnabled(props)
      ? `monitoring: ${aks.clusterName} already sends metrics to Azure Monitor`
      : `monitoring: deploy would connect ${aks.clusterName} to amw-${namePrefix} (az aks update --enable-azure-monitor-metrics)`,
    `monitoring: deploy would import ${dashboards} dashboards into ${grafanaName(namePrefix)}, replacing those with the same uid`,
  ];
}

export function deployMonitoring(props: MonitoringDeployProps): void {
  const { root, env, az, log } = props;
  if (!env.monitoring) return;
  const monitoring = readMonitoring(root, env);
  const { aks, subscriptionId, resourceGroup, namePrefix } = env.azure;
  const must = (args: string[], what: string, hint = '') => {
    const call = az(args);
    if (call.status !== 0) throw new MonitoringDeployError(`${what} failed: ${firstLine(call.stderr)}${hint}`);
    return call.stdout;
  };

  // The AKS metrics add-on for an existing cluster: `az aks update --enable-azure-monitor-metrics`
  // (learn.microsoft.com, "Enable Prometheus metrics collection"), which creates the data collection
  // endpoint, rule and association for the given workspace. Only when it is off: a second deploy is a no-op.
  if (metricsEnabled(props)) {
    log(`monitoring: ${aks.clusterName} already sends metrics to Azure Monitor`);
  } else {
    log(`monitoring: connecting ${aks.clusterName} to amw-${namePrefix}`);
    must(['aks', 'update', ...clusterArgs(env), '--enable-azure-monitor-metrics', '--azure-monitor-workspace-resource-id', workspaceId(env), '--output', 'none'], 'az aks update --enable-azure-monitor-metrics');
  }

  // Dashboards by uid, overwritten in place: importing the same models again changes nothing.
  // Grafana has API keys off and does not make the deployer an admin (monitoring.bicep): the
  // deployer writes dashboards through a group of monitoring.grafanaAdmins.
  const forbidden = `\n  the deploying identity needs a Grafana role on ${grafanaName(namePrefix)}: add it to a group of monitoring.grafanaAdmins in environments/${env.name}.ts (Grafana Admin), then run npm run deploy -- ${env.name} again`;
  const work = mkdtempSync(join(tmpdir(), 'dashboards-'));
  try {
    for (const [uid, dashboard] of Object.entries(monitoring.dashboards).sort(([a], [b]) => a.localeCompare(b))) {
      const path = join(work, `${uid}.json`);
      writeFileSync(path, JSON.stringify(dashboard));
      const call = az(['grafana', 'dashboard', 'create', '--subscription', subscriptionId, '--resource-group', resourceGroup, '--name', grafanaName(namePrefix), '--definition', `@${path}`, '--overwrite', 'true', '--output', 'none']);
      if (call.status !== 0) throw new MonitoringDeployError(`az grafana dashboard create ${uid} failed: ${firstLine(call.stderr)}${/\b403\b|Forbidden/.test(call.stderr) ? forbidden : ''}`);
      log(`monitoring: dashboard ${uid}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
