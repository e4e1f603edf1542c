// Where each metric name an alert or a dashboard panel reads comes from. `SCRAPED` names are
// proven by a real Prometheus scraping the real program here, which must hold the name: Trino by
// test/monitoring/coverage.mjs and npm run e2e, Connect and Flink by npm run e2e (test/e2e/metrics.mjs). `notRunHere` names come from a program that cannot run on this machine,
// with the reason and where the name was taken from.
export const SCRAPED = {
  trino: {
    program: 'Trino 476 (test/lib/programs.mjs; the coordinator and the worker of each environment in dist/, scraped as the PodMonitors say)',
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
  http_server_requests_seconds_sum: 'Polaris 1.7.0 (Quarkus Micrometer): as above',
};

// Names of the operators' controllers, read where the pinned release registers them. None runs
// here: they are Kubernetes controllers, cert-manager's module zip at v1.19.6 is refused by the Go
// module proxy (403 "not available"), ESO's root module resolves only with its ~20 nested modules
// replaced, and Strimzi's operator jars are not on Maven Central. `labels` are the metric's own
// labels; `scrapedBy` is the PodMonitor (namespace/name) that reads them, which must honour them
// where they include `namespace` (the scraper's own `namespace` label would otherwise win).
export const REGISTERED_AT_TAG = {
  externalsecret_status_condition: {
    repo: 'external-secrets/external-secrets',
    tag: 'v2.9.0',
    file: 'pkg/controllers/externalsecret/esmetrics/esmetrics.go (SetUpMetrics: subsystem externalsecret, status_condition; labels pkg/controllers/metrics/labels.go ConditionMetricLabelNames)',
    labels: ['name', 'namespace', 'condition', 'status'],
    scrapedBy: 'external-secrets/external-secrets',
  },
  certmanager_certificate_expiration_timestamp_seconds: {
    repo: 'cert-manager/cert-manager',
    tag: 'v1.19.6',
    file: 'internal/collectors/certificate_collector.go (certExpirationTimestampSeconds; registered by pkg/metrics/metrics.go NewServer)',
    labels: ['name', 'namespace', 'issuer_name', 'issuer_kind', 'issuer_group'],
    scrapedBy: 'cert-manager/cert-manager',
  },
  strimzi_reconciliations_failed_total: {
    repo: 'strimzi/strimzi-kafka-operator',
    tag: '1.2.0',
    file: 'operator-common/src/main/java/io/strimzi/operator/common/metrics/MetricsHolder.java (strimzi.reconciliations.failed, a Micrometer counter; tags MetricsUtils.getRequiredMetricTags). Its Prometheus name and labels are proven by test/monitoring/strimzi/check.mjs with the real Micrometer 1.16.6 registry Strimzi 1.2.0 builds with',
    labels: ['kind', 'namespace', 'selector'],
    scrapedBy: 'strimzi/strimzi-kafka-operator',
  },
};
