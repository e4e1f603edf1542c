import { buildDashboard, dashboardSpecs } from './dashboards';
import { ruleGroups, RuleGroup, runbookAnchor, AZURE_SEVERITY } from './alerts';
import type { MonitoringSettings } from './settings';
import { AzureMetricAlert, databaseAlerts } from './metric-alerts';

export { monitoringSettings } from './settings';
export type { MonitoringSettings } from './settings';

/** What synth writes to bicep/env/<env>.monitoring.json: Bicep reads the rule groups and action group from it, npm run deploy the dashboards. */
export interface MonitoringJson {
  /** The `monitoring` parameter of bicep/main.bicep. */
  readonly azure: {
    readonly actionGroup: { readonly shortName: string; readonly emails: readonly string[] };
    readonly grafanaAdmins: readonly string[];
    readonly clusterResourceId: string;
    readonly clusterName: string;
    readonly ruleGroups: readonly AzureRuleGroup[];
    /** The Polaris PostgreSQL server the metric alerts watch ('' without Polaris). */
    readonly databaseServerName: string;
    readonly metricAlerts: readonly AzureMetricAlert[];
  };
  /** Dashboard models by uid. */
  readonly dashboards: Record<string, unknown>;
}

/** A rule group in the shape of Microsoft.AlertsManagement/prometheusRuleGroups properties.rules. */
export interface AzureRuleGroup {
  readonly name: string;
  readonly interval: string;
  readonly rules: readonly {
    readonly alert: string;
    readonly expression: string;
    /** ISO 8601; absent: fires at the first evaluation that matches. */
    readonly for?: string;
    readonly severity: number;
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
  }[];
}

/** The parts of an environment monitoring is generated from. */
export interface MonitoringInput {
  readonly env: string;
  readonly settings: MonitoringSettings;
  readonly components: ReadonlySet<string>;
  readonly trinoWorkers?: number;
  readonly connectCommitIntervalSeconds?: number;
  /** The AKS cluster the rule groups evaluate for. */
  readonly cluster: { readonly resourceId: string; readonly name: string };
  /** The Polaris database, when the environment deploys Polaris. */
  readonly database?: { readonly serverName: string; readonly polarisReplicas: number; readonly poolMaxSize: number };
  /** Where the runbooks are browsed: `<repo>/blob/<revision>/docs/monitoring.md`. */
  readonly runbooksUrl: string;
}

export function monitoringGroups(input: MonitoringInput): RuleGroup[] {
  return ruleGroups({
    env: input.env,
    thresholds: input.settings.thresholds,
    components: input.components,
    trinoWorkers: input.trinoWorkers,
    connectCommitIntervalSeconds: input.connectCommitIntervalSeconds,
  });
}

export function monitoringJson(input: MonitoringInput): MonitoringJson {
  const groups = monitoringGroups(input);
  const interval = `PT${input.settings.evaluationMinutes}M`;
  return {
    azure: {
    actionGroup: input.settings.actionGroup,
    grafanaAdmins: input.settings.grafanaAdmins,
    clusterResourceId: input.cluster.resourceId,
    clusterName: input.cluster.name,
    ruleGroups: groups.map((g) => ({
      name: g.name,
      interval,
      rules: g.rules.map((r) => ({
        alert: r.alert,
        expression: r.expr,
        ...(r.forMinutes > 0 ? { for: `PT${r.forMinutes}M` } : {}),
        severity: AZURE_SEVERITY[r.severity],
        labels: { severity: r.severity, environment: input.env },
        annotations: { summary: r.summary, runbook_url: `${input.runbooksUrl}${runbookAnchor(r.runbook)}` },
      })),
    })),
    databaseServerName: input.database?.serverName ?? '',
    metricAlerts: input.database ? databaseAlerts({ thresholds: input.settings.thresholds, runbooksUrl: input.runbooksUrl, ...input.database }) : [],
    },
    dashboards: Object.fromEntries(dashboardSpecs(groups).map((spec) => [`lakehouse-${input.env}-${spec.component}`, buildDashboard(input.env, spec)])),
  };
}
