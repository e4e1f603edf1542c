// Where each metric name an alert or a dashboard panel reads comes from. `scraped` names are
// proven by test/monitoring/coverage.mjs: a real Prometheus scrapes the real program here and
// must hold the name. `notRunHere` names come from a program that cannot run on this machine,
// with the reason and where the name was taken from.
export const SCRAPED = {
  trino: {
    program: 'Trino 476 (test/lib/programs.mjs; the dev and prod coordinators and a prod worker of dist/, scraped as the PodMonitors say)',
    names: ['trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount', 'trino_execution_name_QueryManager_FailedQueries', 'trino_execution_name_QueryManager_StartedQueries'],
  },
};

export const PROMETHEUS_OWN = { up: 'written by the scraper for every target (Prometheus "Jobs and instances")' };

export const NOT_RUN_HERE = {
  flink_jobmanager_job_runningState: 'Flink 1.20 JobManager: runs in the Flink e2e of the Flink branch, not here; gauge documented under Flink "Metrics", Availability (metrics.job.status.enable STATE)',
  flink_jobmanager_job_numRestarts: 'Flink 1.20 JobManager: runs in the Flink e2e, not here; Flink "Metrics", Availability',
  flink_jobmanager_job_numberOfFailedCheckpoints: 'Flink 1.20 JobManager: runs in the Flink e2e, not here; Flink "Metrics", Checkpointing',
  flink_jobmanager_job_numberOfCompletedCheckpoints: 'Flink 1.20 JobManager: runs in the Flink e2e, not here; Flink "Metrics", Checkpointing',
  kafka_connect_connector_status: 'Kafka Connect: the e2e runs Connect without the JMX exporter agent (test/e2e/run.mjs is edited on another branch); name from the Strimzi 1.2.0 rule',
  kafka_connect_connector_task_status: 'Kafka Connect: as above; Strimzi 1.2.0 rule',
  kafka_consumer_fetch_manager_records_lag: 'Kafka Connect: as above; Strimzi 1.2.0 rule on consumer-fetch-manager-metrics records-lag',
  kafka_connect_sink_task_offset_commit_completion_total: 'Kafka Connect: as above; sink-task-metrics offset-commit-completion-total',
  kafka_connect_sink_task_sink_record_read_total: 'Kafka Connect: as above; sink-task-metrics sink-record-read-total',
  http_server_requests_seconds_count: 'Polaris 1.7.0 (Quarkus Micrometer): the server needs PostgreSQL and Azure, not run here',
  agroal_active_count: 'Polaris 1.7.0 Agroal pool: not run here; published only if the image was built with datasource metrics',
  agroal_available_count: 'Polaris 1.7.0 Agroal pool: as above',
  agroal_awaiting_count: 'Polaris 1.7.0 Agroal pool: as above',
  externalsecret_status_condition: 'External Secrets Operator 2.9.0: a Kubernetes controller, not run here; external-secrets.io "Metrics"',
  certmanager_certificate_expiration_timestamp_seconds: 'cert-manager v1.19.6: a Kubernetes controller, not run here; cert-manager "Prometheus metrics"',
};
