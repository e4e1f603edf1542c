/**
 * Flink 1.20's Prometheus reporter, served by every JobManager and TaskManager (Flink 1.20
 * "Metric Reporters", Prometheus; the flink-metrics-prometheus plugin ships in the image's
 * plugins/ folder). `metrics.job.status.enable` adds the <state>State gauges (1 while the job
 * is in that state) the FlinkJobNotRunning alert reads, besides the default <state>Time.
 * Every key is checked against the Flink 1.20.0 jars by test/flink/check.mjs.
 */
export const FLINK_METRICS_PORT = 9249;

export const FLINK_PROMETHEUS_REPORTER: Record<string, string> = {
  'metrics.reporter.prom.factory.class': 'org.apache.flink.metrics.prometheus.PrometheusReporterFactory',
  'metrics.reporter.prom.port': String(FLINK_METRICS_PORT),
  'metrics.job.status.enable': 'STATE;CURRENT_TIME',
};
