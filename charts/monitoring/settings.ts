import * as z from 'zod/mini';
import { distinct, integer, pattern, rules } from '../lib/validation';

const ratio = z.number().check(z.gt(0, 'must be > 0'), z.lte(1, 'must be <= 1 (a ratio)'));

/** Alert thresholds; each alert's runbook (docs/monitoring.md) says what it means. */
export const thresholdsSchema = z.strictObject({
  /** FlinkJobRestarting: restarts of one job within 15 minutes. */
  flinkRestartsPer15m: z._default(integer(1, 100), 3),
  /** FlinkCheckpointTooOld: minutes without a completed checkpoint while the job runs. */
  flinkCheckpointMaxAgeMinutes: z._default(integer(5, 1440), 30),
  /** KafkaConnectSinkLagGrowing: records a sink's consumer is behind, summed over its partitions. */
  connectLagRecords: z._default(integer(1, 1_000_000_000), 100_000),
  /** KafkaConnectNothingCommitted: commit intervals (the sink's commitIntervalSeconds) without an offset commit while records arrive. */
  connectMissedCommitIntervals: z._default(integer(2, 100), 3),
  /** TrinoFailedQueryRatio: failed / all queries over 15 minutes. */
  trinoFailedQueryRatio: z._default(ratio, 0.1),
  /** PolarisErrors: share of catalog requests answered 5xx over 10 minutes. */
  polarisErrorRatio: z._default(ratio, 0.05),
  /** PolarisDatabasePoolNearlyFull: the server's connections / what the Polaris pods' pools may open. */
  polarisDbPoolUsage: z._default(ratio, 0.9),
  /** WarpStreamLatencyHigh: p99 produce or fetch latency of the agents, milliseconds. */
  warpstreamLatencyMs: z._default(integer(10, 60_000), 2000),
  /** CertificateExpiresSoon: days before a cert-manager certificate expires. */
  certificateExpiryDays: z._default(integer(1, 90), 14),
});

export type Thresholds = z.output<typeof thresholdsSchema>;

/**
 * Settings of `monitoring` in an environment: Azure Monitor managed Prometheus, Managed
 * Grafana, the alert rule groups and the action group they notify.
 */
export const monitoringSettings = z.strictObject({
  /** The action group the alerts notify: Azure names it `ag-<namePrefix>`; its short name is shown in SMS and e-mail (at most 12 characters). */
  actionGroup: z.strictObject({
    shortName: pattern(/^[A-Za-z0-9-]{1,12}$/, 'must be 1-12 letters, digits and hyphens (Azure action group short name)'),
    emails: z.array(pattern(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an e-mail address')).check(z.minLength(1, 'must name at least one receiver: an alert nobody receives is not an alert'), distinct()),
  }),
  /** Object IDs of the Entra ID groups that get Grafana Admin on the Managed Grafana instance (people, never one by one). */
  grafanaAdmins: z
    .array(rules.guid)
    // bicep/modules/monitoring.bicep names each group's role deployment by the group.
    .check(z.minLength(1, 'must name at least one Entra ID group: nobody could administer Grafana otherwise'), distinct('Azure refuses a deployment that declares one role deployment twice')),
  /** How often the rule groups are evaluated, minutes. */
  evaluationMinutes: z._default(integer(1, 15), 1),
  // prefault: the empty default is parsed, so each threshold gets its own default.
  thresholds: z.prefault(thresholdsSchema, {}),
});

export type MonitoringSettings = z.output<typeof monitoringSettings>;
