import { AZURE_SEVERITY, runbookAnchor } from './alerts';
import type { Thresholds } from './settings';

/**
 * Alerts on Azure platform metrics, for what no scraped program reports. The Polaris image
 * publishes no connection-pool metrics: Quarkus registers Agroal's only when
 * `quarkus.datasource.metrics.enabled` was set at build time (DataSourcesBuildTimeConfig,
 * phase BUILD_AND_RUN_TIME_FIXED, default false, in quarkus-datasource 3.37.4, Polaris 1.7.0's
 * Quarkus), and Polaris 1.7.0's application.properties does not set it. The server's
 * `active_connections` (Azure Monitor, Microsoft.DBforPostgreSQL/flexibleServers metrics) shows
 * the pools filling instead.
 */
export interface AzureMetricAlert {
  readonly name: string;
  readonly metricNamespace: string;
  readonly metricName: string;
  readonly aggregation: 'Maximum';
  readonly operator: 'GreaterThanOrEqual';
  readonly threshold: number;
  /** ISO 8601 window the aggregation covers, evaluated every minute. */
  readonly windowSize: string;
  readonly severity: number;
  readonly description: string;
}

export interface DatabaseAlertContext {
  readonly thresholds: Thresholds;
  readonly polarisReplicas: number;
  readonly poolMaxSize: number;
  readonly runbooksUrl: string;
}

export function databaseAlerts(ctx: DatabaseAlertContext): AzureMetricAlert[] {
  const capacity = ctx.polarisReplicas * ctx.poolMaxSize;
  const threshold = Math.ceil(capacity * ctx.thresholds.polarisDbPoolUsage);
  return [
    {
      name: 'PolarisDatabasePoolNearlyFull',
      metricNamespace: 'Microsoft.DBforPostgreSQL/flexibleServers',
      metricName: 'active_connections',
      aggregation: 'Maximum',
      operator: 'GreaterThanOrEqual',
      threshold,
      windowSize: 'PT5M',
      severity: AZURE_SEVERITY.critical,
      description: `The Polaris database has ${threshold} or more connections, of the ${capacity} its ${ctx.polarisReplicas} pod(s) may open: requests soon wait for a connection. ${ctx.runbooksUrl}${runbookAnchor('Polaris database pool nearly full')}`,
    },
  ];
}
