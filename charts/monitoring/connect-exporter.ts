import YAML from 'yaml';

/**
 * The JMX Prometheus exporter configuration of Kafka Connect (Strimzi `metricsConfig`): the
 * rules of Strimzi 1.2.0's example packaging/examples/metrics/kafka-connect-metrics.yaml that the
 * alerts and dashboards read, in the same names, so the Strimzi documentation and dashboards
 * apply: connector and task status as 1-valued series labelled with the state, the per-task
 * metrics (sink-task offset commits, records read, errors), the worker, and the consumer's
 * per-partition fetch metrics (records-lag of the sink's consumer).
 *
 * Unlike Strimzi's example, a pattern that captures the attribute name ends at the `: ` that
 * follows it: the exporter matches `<bean><>attribute: value` against `^.*(?:pattern).*$`
 * (JmxCollector, jmx_exporter 1.6.0, the version Strimzi 1.2.0 ships), so without it records-lag,
 * records-lag-avg and records-lag-max all became kafka_consumer_fetch_manager_records_lag (told
 * apart only by an `_objectname` label) and the lag alert summed all three; npm run e2e found it.
 */
const rule = (pattern: string, name: string, type: 'GAUGE' | 'COUNTER', labels: Record<string, string>, value?: number) => ({
  pattern,
  name,
  type,
  ...(value === undefined ? {} : { value }),
  labels,
});

export const CONNECT_EXPORTER_RULES = [
  rule('kafka.connect<type=connector-metrics, connector=(.+)><>status: ([a-z-]+)', 'kafka_connect_connector_status', 'GAUGE', { connector: '$1', status: '$2' }, 1),
  rule('kafka.connect<type=connector-task-metrics, connector=(.+), task=(.+)><>status: ([a-z-]+)', 'kafka_connect_connector_task_status', 'GAUGE', { connector: '$1', task: '$2', status: '$3' }, 1),
  rule('kafka.connect<type=(.+)-metrics, connector=(.+), task=(.+)><>(.+-total): ', 'kafka_connect_$1_$4', 'COUNTER', { connector: '$2', task: '$3' }),
  rule(
    'kafka.connect<type=(.+)-metrics, connector=(.+), task=(.+)><>(.+-count|.+-ms|.+-ratio|.+-seq-no|.+-rate|.+-max|.+-avg|.+-failures|.+-requests|.+-timestamp|.+-logged|.+-errors|.+-retries|.+-skipped): ',
    'kafka_connect_$1_$4',
    'GAUGE',
    { connector: '$2', task: '$3' },
  ),
  rule('kafka.connect<type=connect-worker-metrics, connector=(.+)><>([a-z-]+)', 'kafka_connect_worker_$2', 'GAUGE', { connector: '$1' }),
  rule('kafka.connect<type=connect-worker-metrics><>([a-z-]+-total)', 'kafka_connect_worker_$1', 'COUNTER', {}),
  rule('kafka.connect<type=connect-worker-metrics><>([a-z-]+)', 'kafka_connect_worker_$1', 'GAUGE', {}),
  rule('kafka.consumer<type=consumer-fetch-manager-metrics, client-id=(.+), topic=(.+), partition=(.+)><>(.+-lag|.+-lead): ', 'kafka_consumer_fetch_manager_$4', 'GAUGE', { clientId: '$1', topic: '$2', partition: '$3' }),
];

/** metrics-config.yml of the exporter; label names are lowercased as in Strimzi's example (clientId -> clientid). */
export const CONNECT_EXPORTER_CONFIG = YAML.stringify({ lowercaseOutputName: true, lowercaseOutputLabelNames: true, rules: CONNECT_EXPORTER_RULES }, { lineWidth: 0 });

/** Port of Strimzi's exporter in the Connect pods (`tcp-prometheus`). */
export const STRIMZI_METRICS_PORT = 9404;
