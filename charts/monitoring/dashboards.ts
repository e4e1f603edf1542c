import { DashboardBuilder, DashboardCursorSync, DatasourceVariableBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import type { RuleGroup } from './alerts';

/**
 * Dashboards as code: one per component plus an overview, built with Grafana's typed builders
 * (@grafana/grafana-foundation-sdk, the Grafana 11.6 schema, which Azure Managed Grafana runs)
 * and deployed by `npm run deploy` into the environment's Managed Grafana.
 */

/** A panel: its title, unit and PromQL queries; `metrics` are the names the queries read. */
export interface PanelSpec {
  readonly title: string;
  readonly kind: 'timeseries' | 'stat';
  readonly unit?: string;
  readonly queries: readonly { readonly expr: string; readonly legend?: string }[];
  readonly metrics: readonly string[];
}

export interface DashboardSpec {
  readonly component: string;
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

/** The Managed Grafana data source of the Azure Monitor workspace is chosen per dashboard. */
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

const ts = (title: string, unit: string, metrics: string[], ...queries: { expr: string; legend?: string }[]): PanelSpec => ({ title, kind: 'timeseries', unit, queries, metrics });
const stat = (title: string, metrics: string[], expr: string): PanelSpec => ({ title, kind: 'stat', queries: [{ expr }], metrics });

const COMPONENT_PANELS: Record<string, { title: string; panels: PanelSpec[] }> = {
  flink: {
    title: 'Flink',
    panels: [
      stat('Jobs running', ['flink_jobmanager_job_runningState'], 'sum(flink_jobmanager_job_runningState)'),
      ts('Restarts (15 min)', 'short', ['flink_jobmanager_job_numRestarts'], { expr: 'max by (job_name) (delta(flink_jobmanager_job_numRestarts[15m]))', legend: '{{job_name}}' }),
      ts('Checkpoints completed and failed (15 min)', 'short', ['flink_jobmanager_job_numberOfCompletedCheckpoints', 'flink_jobmanager_job_numberOfFailedCheckpoints'],
        { expr: 'max by (job_name) (delta(flink_jobmanager_job_numberOfCompletedCheckpoints[15m]))', legend: '{{job_name}} completed' },
        { expr: 'max by (job_name) (delta(flink_jobmanager_job_numberOfFailedCheckpoints[15m]))', legend: '{{job_name}} failed' }),
    ],
  },
  'kafka-connect': {
    title: 'Kafka Connect',
    panels: [
      stat('Failed tasks', ['kafka_connect_connector_task_status'], 'sum(kafka_connect_connector_task_status{status="failed"}) or vector(0)'),
      ts('Task status', 'short', ['kafka_connect_connector_task_status'], { expr: 'sum by (connector, status) (kafka_connect_connector_task_status)', legend: '{{connector}} {{status}}' }),
      ts('Sink consumer lag', 'short', ['kafka_consumer_fetch_manager_records_lag'], { expr: 'sum by (clientid) (kafka_consumer_fetch_manager_records_lag{clientid=~"connector-consumer-.+"})', legend: '{{clientid}}' }),
      ts('Records read and offsets committed', 'ops', ['kafka_connect_sink_task_sink_record_read_total', 'kafka_connect_sink_task_offset_commit_completion_total'],
        { expr: 'sum by (connector) (rate(kafka_connect_sink_task_sink_record_read_total[5m]))', legend: '{{connector}} read/s' },
        { expr: 'sum by (connector) (rate(kafka_connect_sink_task_offset_commit_completion_total[5m]))', legend: '{{connector}} commits/s' }),
    ],
  },
  trino: {
    title: 'Trino',
    panels: [
      stat('Active nodes', ['trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount'], 'max(trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount)'),
      ts('Queries started and failed', 'ops', ['trino_execution_name_QueryManager_StartedQueries', 'trino_execution_name_QueryManager_FailedQueries'],
        { expr: 'sum(rate(trino_execution_name_QueryManager_StartedQueries[5m]))', legend: 'started/s' },
        { expr: 'sum(rate(trino_execution_name_QueryManager_FailedQueries[5m]))', legend: 'failed/s' }),
    ],
  },
  polaris: {
    title: 'Polaris',
    panels: [
      ts('Catalog requests by status', 'reqps', ['http_server_requests_seconds_count'], { expr: 'sum by (status) (rate(http_server_requests_seconds_count{namespace="polaris"}[5m]))', legend: '{{status}}' }),
      ts('Mean request time', 's', ['http_server_requests_seconds_sum', 'http_server_requests_seconds_count'],
        { expr: 'sum(rate(http_server_requests_seconds_sum{namespace="polaris"}[5m])) / sum(rate(http_server_requests_seconds_count{namespace="polaris"}[5m]))', legend: 'mean' }),
    ],
  },
  warpstream: {
    title: 'WarpStream',
    panels: [stat('Agents answering', ['up'], 'sum(up{namespace="warpstream"})')],
  },
  platform: {
    title: 'Platform services',
    panels: [
      stat('ExternalSecrets not ready', ['externalsecret_status_condition'], 'sum(externalsecret_status_condition{condition="Ready",status="False"}) or vector(0)'),
      ts('Days until certificates expire', 'd', ['certmanager_certificate_expiration_timestamp_seconds'], { expr: '((certmanager_certificate_expiration_timestamp_seconds > 0) - time()) / 86400', legend: '{{namespace}}/{{name}}' }),
    ],
  },
};

/** The dashboards of the components in `groups` (one per rule group's component) and the overview. */
export function dashboardSpecs(groups: readonly RuleGroup[]): DashboardSpec[] {
  const components = groups.map((g) => g.component).filter((c) => COMPONENT_PANELS[c]);
  const specs = components.map((component) => ({ component, ...COMPONENT_PANELS[component] }));
  // The overview: each alert of the environment as a stat of how many of its series fire now.
  const overview: PanelSpec[] = groups.flatMap((g) =>
    g.rules.map((r) => stat(r.alert, [...r.metrics], `count(${r.expr}) or vector(0)`)),
  );
  return [{ component: 'overview', title: 'Overview', panels: overview }, ...specs];
}

/** A dashboard model Grafana imports; uid `lakehouse-<env>-<component>`. */
export function buildDashboard(env: string, spec: DashboardSpec): unknown {
  const builder = new DashboardBuilder(`Lakehouse ${env}: ${spec.title}`)
    .uid(`lakehouse-${env}-${spec.component}`)
    .tags(['aks-lakehouse', env, spec.component])
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(new DatasourceVariableBuilder('datasource').label('Azure Monitor workspace').type('prometheus'));
  builder.withRow(new RowBuilder(spec.title));
  for (const panel of spec.panels) {
    const queries = panel.queries.map((q, i) => {
      const query = new DataqueryBuilder().expr(q.expr).refId(String.fromCharCode(65 + i));
      return q.legend ? query.legendFormat(q.legend) : query;
    });
    if (panel.kind === 'stat') {
      const p = new StatPanel().title(panel.title).datasource(DATASOURCE).height(4).span(6);
      for (const q of queries) p.withTarget(q);
      builder.withPanel(p);
    } else {
      const p = new TimeseriesPanel().title(panel.title).datasource(DATASOURCE).unit(panel.unit ?? 'short').height(8).span(12);
      for (const q of queries) p.withTarget(q);
      builder.withPanel(p);
    }
  }
  return builder.build();
}
