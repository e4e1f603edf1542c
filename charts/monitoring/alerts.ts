import type { Thresholds } from './settings';

/**
 * The alerts of the platform as Prometheus rule groups, one group per component. The same
 * model becomes the Azure Monitor Prometheus rule groups (bicep/modules/monitoring.bicep), which
 * the tests turn into the rule file promtool checks and unit-tests (test/monitoring/promtool.mjs).
 */

export type Severity = 'critical' | 'warning';

/** Azure Monitor alert severities: 0 Critical, 1 Error, 2 Warning, 3 Informational, 4 Verbose. */
export const AZURE_SEVERITY: Record<Severity, number> = { critical: 1, warning: 2 };

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** Minutes the condition must hold before the alert fires. */
  readonly forMinutes: number;
  readonly severity: Severity;
  readonly summary: string;
  /** docs/monitoring.md heading of the runbook section (the anchor is derived from it). */
  readonly runbook: string;
  /** Metric names the expression reads; the coverage check proves each is scraped somewhere. */
  readonly metrics: readonly string[];
}

export interface RuleGroup {
  readonly name: string;
  /** The component the group watches (dashboards and alerts are filed under it). */
  readonly component: string;
  readonly rules: readonly AlertRule[];
}

/** What of the environment the alerts depend on besides the thresholds. */
export interface AlertContext {
  readonly env: string;
  readonly thresholds: Thresholds;
  /** Components deployed in the environment: groups of others are left out. */
  readonly components: ReadonlySet<string>;
  /** Trino workers the environment asks for (components.trino.workers.replicas). */
  readonly trinoWorkers?: number;
  /** The longest commitIntervalSeconds of the Kafka Connect sinks. */
  readonly connectCommitIntervalSeconds?: number;
}

export const RUNBOOK_PREFIX = 'Runbook: ';

/** The anchor GitHub gives a heading. */
export const runbookAnchor = (heading: string) =>
  `#${`${RUNBOOK_PREFIX}${heading}`
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-')}`;

export function ruleGroups(ctx: AlertContext): RuleGroup[] {
  const t = ctx.thresholds;
  const groups: RuleGroup[] = [];
  const has = (c: string) => ctx.components.has(c);

  if (has('flink')) {
    groups.push({
      name: 'flink',
      component: 'flink',
      rules: [
        {
          // metrics.job.status.enable STATE: <state>State gauges, 1 in the current state (Flink 1.20 "Metrics", Availability).
          alert: 'FlinkJobNotRunning',
          expr: 'max by (namespace, job_name) (flink_jobmanager_job_runningState) == 0',
          forMinutes: 5,
          severity: 'critical',
          summary: 'Flink job {{ $labels.job_name }} in {{ $labels.namespace }} has not been running for 5 minutes',
          runbook: 'Flink job not running',
          metrics: ['flink_jobmanager_job_runningState'],
        },
        {
          alert: 'FlinkJobRestarting',
          expr: `max by (namespace, job_name) (delta(flink_jobmanager_job_numRestarts[15m])) >= ${t.flinkRestartsPer15m}`,
          forMinutes: 0,
          severity: 'warning',
          summary: `Flink job {{ $labels.job_name }} restarted {{ $value }} times in 15 minutes (threshold ${t.flinkRestartsPer15m})`,
          runbook: 'Flink job restarting',
          metrics: ['flink_jobmanager_job_numRestarts'],
        },
        {
          alert: 'FlinkCheckpointsFailing',
          expr: 'max by (namespace, job_name) (delta(flink_jobmanager_job_numberOfFailedCheckpoints[15m])) > 0',
          forMinutes: 0,
          severity: 'warning',
          summary: 'Flink job {{ $labels.job_name }} had failed checkpoints in the last 15 minutes',
          runbook: 'Flink checkpoints failing or too old',
          metrics: ['flink_jobmanager_job_numberOfFailedCheckpoints'],
        },
        {
          alert: 'FlinkCheckpointTooOld',
          expr:
            `max by (namespace, job_name) (delta(flink_jobmanager_job_numberOfCompletedCheckpoints[${t.flinkCheckpointMaxAgeMinutes}m])) == 0` +
            ' and on (namespace, job_name) max by (namespace, job_name) (flink_jobmanager_job_runningState) == 1',
          forMinutes: 0,
          severity: 'critical',
          summary: `Flink job {{ $labels.job_name }} has completed no checkpoint for ${t.flinkCheckpointMaxAgeMinutes} minutes while running`,
          runbook: 'Flink checkpoints failing or too old',
          metrics: ['flink_jobmanager_job_numberOfCompletedCheckpoints', 'flink_jobmanager_job_runningState'],
        },
      ],
    });
  }

  if (has('kafka-connect')) {
    const window = Math.ceil(((ctx.connectCommitIntervalSeconds ?? 60) * t.connectMissedCommitIntervals) / 60);
    groups.push({
      name: 'kafka-connect',
      component: 'kafka-connect',
      rules: [
        {
          // Strimzi 1.2.0 example rules: connector-metrics status -> kafka_connect_connector_status{status=...} 1.
          alert: 'KafkaConnectConnectorFailed',
          expr: 'max by (namespace, connector) (kafka_connect_connector_status{status="failed"}) == 1',
          forMinutes: 1,
          severity: 'critical',
          summary: 'Kafka Connect connector {{ $labels.connector }} is FAILED',
          runbook: 'Kafka Connect connector or task failed',
          metrics: ['kafka_connect_connector_status'],
        },
        {
          alert: 'KafkaConnectTaskFailed',
          expr: 'max by (namespace, connector, task) (kafka_connect_connector_task_status{status="failed"}) == 1',
          forMinutes: 1,
          severity: 'critical',
          summary: 'Kafka Connect task {{ $labels.task }} of {{ $labels.connector }} is FAILED',
          runbook: 'Kafka Connect connector or task failed',
          metrics: ['kafka_connect_connector_task_status'],
        },
        {
          // The sink's consumer is connector-consumer-<connector>-<task> (Connect's default client.id).
          alert: 'KafkaConnectSinkLagGrowing',
          expr:
            `sum by (namespace, clientid) (kafka_consumer_fetch_manager_records_lag{clientid=~"connector-consumer-.+"}) > ${t.connectLagRecords}` +
            ' and sum by (namespace, clientid) (deriv(kafka_consumer_fetch_manager_records_lag{clientid=~"connector-consumer-.+"}[10m])) > 0',
          forMinutes: 10,
          severity: 'warning',
          summary: `Sink consumer {{ $labels.clientid }} is {{ $value }} records behind and falling further (threshold ${t.connectLagRecords})`,
          runbook: 'Kafka Connect sink lag growing',
          metrics: ['kafka_consumer_fetch_manager_records_lag'],
        },
        {
          alert: 'KafkaConnectNothingCommitted',
          expr:
            `sum by (namespace, connector) (increase(kafka_connect_sink_task_offset_commit_completion_total[${window}m])) == 0` +
            ` and sum by (namespace, connector) (increase(kafka_connect_sink_task_sink_record_read_total[${window}m])) > 0`,
          forMinutes: 0,
          severity: 'critical',
          summary: `Sink {{ $labels.connector }} read records but committed no offsets for ${t.connectMissedCommitIntervals} commit intervals (${window} minutes)`,
          runbook: 'Kafka Connect nothing committed',
          metrics: ['kafka_connect_sink_task_offset_commit_completion_total', 'kafka_connect_sink_task_sink_record_read_total'],
        },
      ],
    });
  }

  if (has('trino')) {
    const workers = ctx.trinoWorkers ?? 1;
    groups.push({
      name: 'trino',
      component: 'trino',
      rules: [
        {
          // Active nodes the coordinator's discovery knows: the workers and the coordinator itself (Trino 476 /metrics, scraped in test/monitoring).
          alert: 'TrinoWorkersMissing',
          expr: `max by (namespace) (trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount) < ${workers + 1}`,
          forMinutes: 5,
          severity: 'warning',
          summary: `Trino sees {{ $value }} active nodes; the environment asks for ${workers} workers and a coordinator`,
          runbook: 'Trino workers missing',
          metrics: ['trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount'],
        },
        {
          alert: 'TrinoFailedQueryRatio',
          expr:
            'sum by (namespace) (increase(trino_execution_name_QueryManager_FailedQueries[15m]))' +
            ' / sum by (namespace) (increase(trino_execution_name_QueryManager_StartedQueries[15m]))' +
            ` > ${t.trinoFailedQueryRatio}`,
          forMinutes: 0,
          severity: 'warning',
          summary: `{{ $value | humanizePercentage }} of Trino queries failed in 15 minutes (threshold ${t.trinoFailedQueryRatio})`,
          runbook: 'Trino failed queries',
          metrics: ['trino_execution_name_QueryManager_FailedQueries', 'trino_execution_name_QueryManager_StartedQueries'],
        },
      ],
    });
  }

  if (has('polaris')) {
    groups.push({
      name: 'polaris',
      component: 'polaris',
      rules: [
        {
          // Quarkus Micrometer HTTP server metrics on the management port (/q/metrics).
          alert: 'PolarisErrors',
          expr:
            'sum by (namespace) (rate(http_server_requests_seconds_count{namespace="polaris",status=~"5.."}[10m]))' +
            ' / sum by (namespace) (rate(http_server_requests_seconds_count{namespace="polaris"}[10m]))' +
            ` > ${t.polarisErrorRatio}`,
          forMinutes: 5,
          severity: 'critical',
          summary: `{{ $value | humanizePercentage }} of Polaris catalog requests fail with 5xx (threshold ${t.polarisErrorRatio})`,
          runbook: 'Polaris errors',
          metrics: ['http_server_requests_seconds_count'],
        },
      ],
    });
  }

  if (has('warpstream')) {
    groups.push({
      name: 'warpstream',
      component: 'warpstream',
      rules: [
        {
          // `up` is written by the scraper for every target: 0 when the agent does not answer.
          alert: 'WarpStreamAgentDown',
          expr: 'min by (namespace, pod) (up{namespace="warpstream"}) == 0',
          forMinutes: 5,
          severity: 'critical',
          summary: 'WarpStream pod {{ $labels.pod }} does not answer its metrics scrape',
          runbook: 'WarpStream agents down',
          metrics: ['up'],
        },
      ],
    });
  }

  groups.push({
    name: 'platform',
    component: 'platform',
    rules: [
      {
        alert: 'ExternalSecretSyncFailing',
        expr: 'max by (namespace, name) (externalsecret_status_condition{condition="Ready",status="False"}) == 1',
        forMinutes: 10,
        severity: 'critical',
        summary: 'ExternalSecret {{ $labels.namespace }}/{{ $labels.name }} has not synced from Key Vault for 10 minutes',
        runbook: 'External Secrets sync failing',
        metrics: ['externalsecret_status_condition'],
      },
      {
        alert: 'CertificateExpiresSoon',
        // The collector reports 0 for a Certificate not issued yet (cert-manager v1.19.6
        // internal/collectors/certificate_collector.go, updateCertificateExpiry): not an expiry.
        expr: `min by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds > 0) - time() < ${t.certificateExpiryDays * 86400}`,
        forMinutes: 60,
        severity: 'warning',
        summary: `Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in {{ $value | humanizeDuration }} (threshold ${t.certificateExpiryDays} days)`,
        runbook: 'Certificate expires soon',
        metrics: ['certmanager_certificate_expiration_timestamp_seconds'],
      },
      {
        // `namespace` is the watched namespace of the resource (strimzi-kafka-operator 1.2.0
        // operator-common MetricsHolder, reconciliations.failed tagged kind, namespace, selector).
        alert: 'StrimziReconciliationsFailing',
        expr: 'sum by (namespace, kind) (increase(strimzi_reconciliations_failed_total[15m])) > 0',
        forMinutes: 15,
        severity: 'warning',
        summary: 'Strimzi keeps failing to reconcile {{ $labels.kind }} resources in {{ $labels.namespace }}',
        runbook: 'Strimzi reconciliations failing',
        metrics: ['strimzi_reconciliations_failed_total'],
      },
    ],
  });
  return groups;
}
