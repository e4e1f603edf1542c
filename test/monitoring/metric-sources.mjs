// Where each metric name an alert or a dashboard panel reads comes from. `SCRAPED` names are
// proven by a real Prometheus scraping the real program here, which must hold the name: Trino by
// test/monitoring/coverage.mjs and npm run e2e, Connect and Flink by npm run e2e (test/e2e/metrics.mjs). `notRunHere` names come from a program that cannot run on this machine,
// with the reason and where the name was taken from.
export const SCRAPED = {
  trino: {
    program: 'Trino 476 (test/lib/programs.mjs, the coordinator configuration of dist/)',
    names: ['trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount', 'trino_execution_name_QueryManager_FailedQueries', 'trino_execution_name_QueryManager_StartedQueries'],
  },
  connect: {
    program: "Kafka Connect 4.3.1 with the Iceberg sink in npm run e2e, through Strimzi's JMX exporter (collector 1.6.0) and the generated rules ConfigMap",
    names: ['kafka_connect_connector_status', 'kafka_connect_connector_task_status', 'kafka_consumer_fetch_manager_records_lag', 'kafka_connect_sink_task_offset_commit_completion_total', 'kafka_connect_sink_task_sink_record_read_total'],
  },
  flink: {
    program: "Flink 1.20.0 session cluster and application in npm run e2e, through flink-metrics-prometheus 1.20.0 with the generated reporter keys",
    names: ['flink_jobmanager_job_runningState', 'flink_jobmanager_job_numRestarts', 'flink_jobmanager_job_numberOfFailedCheckpoints', 'flink_jobmanager_job_numberOfCompletedCheckpoints'],
  },
};

export const PROMETHEUS_OWN = { up: 'written by the scraper for every target (Prometheus "Jobs and instances")' };

export const NOT_RUN_HERE = {
  http_server_requests_seconds_count: 'Polaris 1.7.0 (Quarkus Micrometer): the server needs PostgreSQL and Azure, not run here',
  agroal_active_count: 'Polaris 1.7.0 Agroal pool: not run here; published only if the image was built with datasource metrics',
  agroal_available_count: 'Polaris 1.7.0 Agroal pool: as above',
  agroal_awaiting_count: 'Polaris 1.7.0 Agroal pool: as above',
  externalsecret_status_condition: 'External Secrets Operator 2.9.0: a Kubernetes controller, not run here; external-secrets.io "Metrics"',
  certmanager_certificate_expiration_timestamp_seconds: 'cert-manager v1.19.6: a Kubernetes controller, not run here; cert-manager "Prometheus metrics"',
};
