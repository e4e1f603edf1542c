// For every alert, series under which it must fire and series under which it must stay quiet,
// in promtool's input notation (`a+bxN`: start at a, add b per step, N steps; the step is 1m).
// `labels` are the labels the fired alert keeps from its `by` clause; the rule's own labels
// (severity, environment) are added by promtool.mjs. Values sit far from any threshold an
// environment may set (the limits of charts/monitoring/settings.ts), so they hold for dev and prod.
const connect = { namespace: 'kafka-connect', connector: 'events-to-iceberg' };
const flink = { namespace: 'flink', job_name: 'orders' };
const at = (labels) => Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');

export const ALERT_CASES = {
  FlinkJobNotRunning: {
    at: '10m',
    labels: flink,
    fire: [[`flink_jobmanager_job_runningState{${at(flink)},pod="jm"}`, '0x20']],
    quiet: [[`flink_jobmanager_job_runningState{${at(flink)},pod="jm"}`, '1x20']],
  },
  FlinkJobRestarting: {
    at: '20m',
    labels: flink,
    fire: [[`flink_jobmanager_job_numRestarts{${at(flink)}}`, '0+10x30']],
    quiet: [[`flink_jobmanager_job_numRestarts{${at(flink)}}`, '2x30']],
  },
  FlinkCheckpointsFailing: {
    at: '20m',
    labels: flink,
    fire: [[`flink_jobmanager_job_numberOfFailedCheckpoints{${at(flink)}}`, '0+1x30']],
    quiet: [[`flink_jobmanager_job_numberOfFailedCheckpoints{${at(flink)}}`, '0x30']],
  },
  FlinkCheckpointTooOld: {
    // Flat for longer than any allowed maximum age used by the example environments.
    at: '59m',
    labels: flink,
    fire: [
      [`flink_jobmanager_job_numberOfCompletedCheckpoints{${at(flink)}}`, '5x60'],
      [`flink_jobmanager_job_runningState{${at(flink)}}`, '1x60'],
    ],
    quiet: [
      [`flink_jobmanager_job_numberOfCompletedCheckpoints{${at(flink)}}`, '0+1x60'],
      [`flink_jobmanager_job_runningState{${at(flink)}}`, '1x60'],
    ],
  },
  KafkaConnectConnectorFailed: {
    at: '5m',
    labels: connect,
    fire: [[`kafka_connect_connector_status{${at(connect)},status="failed"}`, '1x10']],
    quiet: [[`kafka_connect_connector_status{${at(connect)},status="running"}`, '1x10']],
  },
  KafkaConnectTaskFailed: {
    at: '5m',
    labels: { ...connect, task: '0' },
    fire: [[`kafka_connect_connector_task_status{${at(connect)},task="0",status="failed"}`, '1x10']],
    quiet: [[`kafka_connect_connector_task_status{${at(connect)},task="0",status="running"}`, '1x10']],
  },
  KafkaConnectSinkLagGrowing: {
    at: '30m',
    labels: { namespace: 'kafka-connect', clientid: 'connector-consumer-events-to-iceberg-0' },
    fire: [['kafka_consumer_fetch_manager_records_lag{namespace="kafka-connect",clientid="connector-consumer-events-to-iceberg-0",topic="events",partition="0"}', '2000000000+1000000x40']],
    quiet: [['kafka_consumer_fetch_manager_records_lag{namespace="kafka-connect",clientid="connector-consumer-events-to-iceberg-0",topic="events",partition="0"}', '10x40']],
  },
  KafkaConnectNothingCommitted: {
    at: '25m',
    labels: connect,
    fire: [
      [`kafka_connect_sink_task_offset_commit_completion_total{${at(connect)},task="0"}`, '5x30'],
      [`kafka_connect_sink_task_sink_record_read_total{${at(connect)},task="0"}`, '0+100x30'],
    ],
    quiet: [
      [`kafka_connect_sink_task_offset_commit_completion_total{${at(connect)},task="0"}`, '0+1x30'],
      [`kafka_connect_sink_task_sink_record_read_total{${at(connect)},task="0"}`, '0+100x30'],
    ],
  },
  TrinoWorkersMissing: {
    at: '10m',
    labels: { namespace: 'trino' },
    fire: [['trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount{namespace="trino",pod="coordinator"}', '1x20']],
    quiet: [['trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount{namespace="trino",pod="coordinator"}', '500x20']],
  },
  TrinoFailedQueryRatio: {
    at: '20m',
    labels: { namespace: 'trino' },
    fire: [
      ['trino_execution_name_QueryManager_FailedQueries{namespace="trino"}', '0+10x30'],
      ['trino_execution_name_QueryManager_StartedQueries{namespace="trino"}', '0+10x30'],
    ],
    quiet: [
      ['trino_execution_name_QueryManager_FailedQueries{namespace="trino"}', '0x30'],
      ['trino_execution_name_QueryManager_StartedQueries{namespace="trino"}', '0+10x30'],
    ],
  },
  PolarisErrors: {
    at: '20m',
    labels: { namespace: 'polaris' },
    fire: [
      ['http_server_requests_seconds_count{namespace="polaris",status="500",uri="/api/catalog/v1/config"}', '0+100x30'],
      ['http_server_requests_seconds_count{namespace="polaris",status="200",uri="/api/catalog/v1/config"}', '0+1x30'],
    ],
    quiet: [
      ['http_server_requests_seconds_count{namespace="polaris",status="500",uri="/api/catalog/v1/config"}', '0x30'],
      ['http_server_requests_seconds_count{namespace="polaris",status="200",uri="/api/catalog/v1/config"}', '0+100x30'],
    ],
  },
  WarpStreamAgentDown: {
    at: '10m',
    labels: { namespace: 'warpstream', pod: 'warpstream-agent-0' },
    fire: [['up{namespace="warpstream",pod="warpstream-agent-0",job="warpstream/warpstream-agent"}', '0x20']],
    quiet: [['up{namespace="warpstream",pod="warpstream-agent-0",job="warpstream/warpstream-agent"}', '1x20']],
  },
  ExternalSecretSyncFailing: {
    at: '20m',
    labels: { namespace: 'trino', name: 'trino-polaris' },
    fire: [['externalsecret_status_condition{namespace="trino",name="trino-polaris",condition="Ready",status="False"}', '1x30']],
    // External Secrets keeps both series of a condition; the False one is 0 while the secret syncs.
    quiet: [['externalsecret_status_condition{namespace="trino",name="trino-polaris",condition="Ready",status="False"}', '0x30']],
  },
  CertificateExpiresSoon: {
    // time() is 5400 at 90m: a certificate expiring at 86400 has less than a day left.
    at: '90m',
    labels: { namespace: 'cert-manager', name: 'webhook' },
    fire: [['certmanager_certificate_expiration_timestamp_seconds{namespace="cert-manager",name="webhook"}', '86400x100']],
    // Far from expiry, and a Certificate not issued yet (cert-manager reports 0 for it).
    quiet: [
      ['certmanager_certificate_expiration_timestamp_seconds{namespace="cert-manager",name="webhook"}', '10000000000x100'],
      ['certmanager_certificate_expiration_timestamp_seconds{namespace="flink-operator",name="pending"}', '0x100'],
    ],
  },
  StrimziReconciliationsFailing: {
    at: '40m',
    labels: { namespace: 'kafka-connect', kind: 'KafkaConnect' },
    // One more failed reconciliation every two minutes (the operator retries every 2 minutes by default).
    fire: [['strimzi_reconciliations_failed_total{namespace="kafka-connect",kind="KafkaConnect",selector=""}', '0+0.5x60']],
    quiet: [['strimzi_reconciliations_failed_total{namespace="kafka-connect",kind="KafkaConnect",selector=""}', '3x60']],
  },
};
