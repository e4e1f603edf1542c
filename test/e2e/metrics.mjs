// What the end-to-end run adds for monitoring (docs/monitoring.md): the metrics endpoints of the
// programs it starts, configured from dist/<env>/ as in the cluster (Strimzi's JMX exporter with the
// generated rules ConfigMap on the Connect worker, Flink's Prometheus reporter with the generated
// reporter keys), a real Prometheus scraping them with the scrape jobs translated from the
// generated PodMonitors, and the check that every metric an alert or a dashboard panel reads
// appears in that scrape or is listed in test/monitoring/metric-sources.mjs with its reason.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { root } from '../lib/programs.mjs';
import { NOT_RUN_HERE, PROMETHEUS_OWN, REGISTERED_AT_TAG, SCRAPED } from '../monitoring/metric-sources.mjs';
import { BREAKS, objectsOf, StageError } from './rewrites.mjs';
import { podMonitors, ruleFileFrom, scrapeConfig, startPrometheus, usedMetricNames } from './prometheus.mjs';
import { flinkReporterJar } from './tools.mjs';

/** Where Strimzi 1.2.0's Connect image serves the exporter: kafka_connect_run.sh, -javaagent:...=9404:... */
export const STRIMZI_EXPORTER_PORT = 9404;

/**
 * The exporter rules of the KafkaConnect's spec.metricsConfig (the ConfigMap key it names), as
 * Strimzi's operator hands them to the agent: the YAML read and written as JSON
 * (JmxPrometheusExporterModel.metricsJson, Strimzi 1.2.0). Written to `file`; returns the KafkaConnect's file.
 */
export function connectExporterConfig(dist, env, file) {
  const connect = objectsOf(dist, env, 'kafka-connect');
  const cluster = connect('KafkaConnect');
  const metrics = cluster.spec.metricsConfig;
  const where = `dist/${env}/kafka-connect/kafkaconnect-${cluster.metadata.name}.yaml`;
  if (metrics?.type !== 'jmxPrometheusExporter') throw new StageError('config', `${where}: spec.metricsConfig is ${JSON.stringify(metrics)}, expected the jmxPrometheusExporter type`);
  const { name, key } = metrics.valueFrom.configMapKeyRef;
  const text = connect('ConfigMap', name).data?.[key];
  if (!text) throw new StageError('config', `${where}: spec.metricsConfig names ConfigMap ${name} key ${key}, which does not exist`);
  writeFileSync(file, JSON.stringify(YAML.parse(text)));
  return where;
}

/** The Prometheus reporter plugin folder of the Flink image (plugins/metrics-prometheus/), for FLINK_PLUGINS_DIR. */
export async function flinkPlugins(work) {
  const jar = await flinkReporterJar();
  const dir = join(work, 'flink-plugins');
  mkdirSync(join(dir, 'metrics-prometheus'), { recursive: true });
  writeFileSync(join(dir, 'metrics-prometheus', 'flink-metrics-prometheus-1.20.0.jar'), readFileSync(jar));
  return dir;
}

/**
 * The pod of the KafkaConnect cluster as Strimzi labels it (strimzi.io/cluster, strimzi.io/kind,
 * strimzi.io/name), its exporter port mapped to where the agent listens here.
 */
export function connectPod(dist, env, address) {
  const cluster = objectsOf(dist, env, 'kafka-connect')('KafkaConnect');
  const name = cluster.metadata.name;
  return { namespace: cluster.metadata.namespace, pod: `${name}-connect-0`, labels: { 'strimzi.io/cluster': name, 'strimzi.io/kind': 'KafkaConnect', 'strimzi.io/name': `${name}-connect` }, ports: { [STRIMZI_EXPORTER_PORT]: address } };
}

/**
 * The JobManager and TaskManager pods of a FlinkDeployment as Flink's native Kubernetes mode
 * labels them (app=<cluster id>, component, type), the reporter port of its flinkConfiguration
 * mapped to where each process's reporter listens here; none when no reporter is configured.
 */
export function flinkPods(dist, env, name, { jobManager, taskManager }) {
  const deployment = objectsOf(dist, env, 'flink')('FlinkDeployment', name);
  const port = deployment.spec.flinkConfiguration['metrics.reporter.prom.port'];
  if (port === undefined) return [];
  return [
    ['jobmanager', jobManager],
    ['taskmanager', taskManager],
  ].map(([component, local]) => ({ namespace: deployment.metadata.namespace, pod: `${name}-${component}`, labels: { app: name, component, type: 'flink-native-kubernetes' }, ports: { [port]: `127.0.0.1:${local}` } }));
}

/**
 * A real Prometheus with the environment's rules (evaluated every 2 s here) scraping `pods`
 * through the PodMonitors of dist/<env>/ whose selector matches their labels (a pod no monitor
 * selects fails here), plus `extraJobs` for programs without a PodMonitor.
 */
export async function startScraping({ dist, env, pods, extraJobs = [], work, breaks = [] }) {
  const monitors = podMonitors(dist, env);
  for (const key of monitors.keys()) for (const name of breaks) monitors.set(key, BREAKS[name]?.podMonitor?.(monitors.get(key)) ?? monitors.get(key));
  const targets = {};
  for (const pod of pods) {
    const selecting = [...monitors].filter(([, m]) => m.metadata.namespace === pod.namespace && Object.entries(m.spec.selector?.matchLabels ?? {}).every(([k, v]) => pod.labels[k] === v));
    if (!selecting.length) throw new StageError('config', `no PodMonitor of dist/${env}/ selects pod ${pod.namespace}/${pod.pod} (labels ${JSON.stringify(pod.labels)})`);
    for (const [key] of selecting) (targets[key] ??= []).push(pod);
  }
  const monitoring = JSON.parse(readFileSync(join(root, 'bicep', 'env', `${env}.monitoring.json`), 'utf8'));
  const dir = join(work, 'prometheus');
  mkdirSync(dir);
  const jobs = [...scrapeConfig(monitors, targets, { interval: '2s' }), ...extraJobs];
  const prometheus = await startPrometheus({ jobs, rules: ruleFileFrom(monitoring.azure.ruleGroups, { evaluationInterval: '2s' }), work: dir });
  return { prometheus, jobs };
}

/**
 * Resolves once every target of `namespace` answered its last scrape; fails with the scraper's error
 * after `timeoutMs`, or at once when a scrape begun after `listeningSince` (when the targets' exporters
 * are known to listen: the agent binds its port in premain, before the worker's REST API answers) was
 * refused: no wait mends a port where nothing listens.
 */
export async function scrapedUp(prometheus, namespace, { timeoutMs = 20000, listeningSince } = {}) {
  const deadline = Date.now() + timeoutMs;
  const problems = (targets) => targets.map((t) => `${t.scrapePool} ${t.scrapeUrl}: ${t.lastError || t.health}`).join('; ');
  for (;;) {
    const { activeTargets } = await prometheus.api('/api/v1/targets');
    const mine = activeTargets.filter((t) => t.labels.namespace === namespace);
    const down = mine.filter((t) => t.health !== 'up');
    if (mine.length && !down.length) return;
    const refused = down.filter((t) => listeningSince && Date.parse(t.lastScrape) > listeningSince && /connection refused/.test(t.lastError));
    if (refused.length) throw new Error(`Prometheus cannot scrape ${namespace}: ${problems(refused)}`);
    if (Date.now() > deadline) throw new Error(`Prometheus cannot scrape ${namespace}: ${problems(down) || 'no target'}`);
    await new Promise((done) => setTimeout(done, 500));
  }
}

/** The programs each scraped name comes from, as metric-sources.mjs lists them: `{ name: source }`. */
const scrapedFrom = Object.fromEntries(Object.entries(SCRAPED).flatMap(([source, { names }]) => names.map((n) => [n, source])));

/** The label names each metric's selectors match on (`name{label="..."}`), over `expressions`. */
function matchedLabels(expressions) {
  const labels = new Map();
  for (const expr of expressions) {
    for (const [, name, matchers] of expr.matchAll(/\b([a-zA-Z_:][\w:]*)\{([^}]*)\}/g)) {
      for (const [, label] of matchers.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)) labels.set(name, new Set([...(labels.get(name) ?? []), label]));
    }
  }
  return labels;
}

/**
 * Every metric name the alerts and panels of dev and prod read, against what Prometheus holds:
 * a name listed as scraped from a program that ran must be there, carry the labels the selectors
 * match on, and be one attribute (the JMX exporter adds `_objectname` when a rule folds several
 * into one name); a name listed as not run here must not be there (else its reason is stale); a
 * name listed nowhere fails. Returns what was found, for printing.
 */
export async function checkCoverage(prometheus, ran) {
  const held = await prometheus.names();
  const used = new Map();
  const expressions = [];
  for (const env of ['dev', 'prod']) {
    const monitoring = JSON.parse(readFileSync(join(root, 'bicep', 'env', `${env}.monitoring.json`), 'utf8'));
    for (const [name, where] of usedMetricNames(monitoring)) used.set(name, [...new Set([...(used.get(name) ?? []), ...where.map((w) => `${env} ${w}`)])]);
    expressions.push(...monitoring.azure.ruleGroups.flatMap((g) => g.rules.map((r) => r.expression)));
    expressions.push(...Object.values(monitoring.dashboards).flatMap((d) => (d.panels ?? []).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''))));
  }
  const labelsMatched = matchedLabels(expressions);
  const problems = [];
  const report = { scraped: [], skipped: [], notRunHere: [] };
  for (const [name, where] of [...used].sort(([a], [b]) => a.localeCompare(b))) {
    const source = scrapedFrom[name];
    if (name in PROMETHEUS_OWN) report.scraped.push(name);
    else if (source && ran.includes(source)) {
      if (held.has(name)) {
        report.scraped.push(name);
        const series = await prometheus.api(`/api/v1/series?match[]=${encodeURIComponent(name)}&start=0`);
        const folded = [...new Set(series.filter((x) => x._objectname).map((x) => x._objectname.split('<>')[1]))];
        if (folded.length) problems.push(`${name} folds several JMX attributes into one name (${folded.join(', ')}): the exporter rule's pattern must end at the attribute`);
        const missing = [...(labelsMatched.get(name) ?? [])].filter((l) => !series.some((x) => l in x));
        if (missing.length) problems.push(`${name} (read by ${where.join('; ')}) has no label ${missing.join(', ')} in the scrape (labels: ${[...new Set(series.flatMap(Object.keys))].join(', ')})`);
      } else problems.push(`${name} (read by ${where.join('; ')}) is listed as scraped from ${SCRAPED[source].program}, but no scrape of this run has it`);
    } else if (source) report.skipped.push(name);
    else if (name in NOT_RUN_HERE || name in REGISTERED_AT_TAG) {
      if (held.has(name)) problems.push(`${name} is in this run's scrape: remove its reason from test/monitoring/metric-sources.mjs`);
      else report.notRunHere.push(name);
    } else problems.push(`${name} (read by ${where.join('; ')}) is neither scraped here nor listed with a reason in test/monitoring/metric-sources.mjs`);
  }
  if (problems.length) throw new Error(problems.join('\n'));
  return report;
}
