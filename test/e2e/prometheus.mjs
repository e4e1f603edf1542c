// A real Prometheus server (v0.316.0, built from the Go module proxy by scripts/prometheus-tools.sh)
// for the end-to-end run: it scrapes the programs the run starts with a configuration translated
// from the PodMonitors synth generated, evaluates the generated alert rules, and answers which
// metric names it has seen. Used by test/monitoring/coverage.mjs; test/e2e/run.mjs can call it too:
//
//   const prom = await startPrometheus({ dist, env, targets: { 'kafka-connect/lakehouse-connect': '127.0.0.1:9404' }, work });
//   await prom.waitForScrapes();  ...  await prom.alertState('KafkaConnectTaskFailed');  await prom.stop();
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { freePort, Program, root } from '../lib/programs.mjs';

/** The PodMonitors of dist/<env>/, keyed `<namespace>/<name>`. */
export function podMonitors(dist, env) {
  const found = new Map();
  for (const entry of readdirSync(join(dist, env), { withFileTypes: true }).filter((e) => e.isDirectory())) {
    const dir = join(dist, env, entry.name);
    for (const file of readdirSync(dir).filter((f) => f.startsWith('podmonitor-'))) {
      const o = YAML.parse(readFileSync(join(dir, file), 'utf8'));
      found.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
    }
  }
  return found;
}

/** The PodMonitor endpoint fields scrapeConfig carries into a scrape job. */
const CARRIED_ENDPOINT_FIELDS = new Set(['path', 'scheme', 'interval', 'portNumber', 'honorLabels']);

/**
 * A Prometheus scrape job per PodMonitor endpoint, as the managed Prometheus add-on derives it,
 * with each pod's address replaced by where the program listens here. `targets` maps
 * `<namespace>/<name>` to an address, or to the pods `[{ pod, ports: { <port in the cluster>: <address here> } }]`:
 * the endpoint's portNumber picks the pod's port, and a port the pod does not listen on stays
 * `127.0.0.1:<portNumber>`, where nothing of the run listens, so the scrape fails as it would in
 * the cluster. The job keeps the monitor's path, scheme, interval and honorLabels; `namespace` and
 * `pod` labels are set as the add-on's pod discovery sets them. An endpoint field not carried over
 * (basicAuth, tlsConfig, relabelings...) is refused: a scrape without it would prove nothing.
 */
export function scrapeConfig(monitors, targets, { interval } = {}) {
  const jobs = [];
  for (const [key, where] of Object.entries(targets)) {
    const monitor = monitors.get(key);
    if (!monitor) throw new Error(`no PodMonitor ${key} in dist (have: ${[...monitors.keys()].join(', ')})`);
    const pods = typeof where === 'string' ? [{ pod: `${monitor.metadata.name}-local`, address: where }] : where;
    monitor.spec.podMetricsEndpoints.forEach((endpoint, i) => {
      const unknown = Object.keys(endpoint).filter((k) => !CARRIED_ENDPOINT_FIELDS.has(k));
      if (unknown.length) throw new Error(`PodMonitor ${key} endpoint ${i}: ${unknown.join(', ')} not carried into the scrape job here; translate it before scraping this monitor`);
      jobs.push({
        job_name: `podMonitor/${key}/${i}`,
        metrics_path: endpoint.path ?? '/metrics',
        scheme: endpoint.scheme ?? 'http',
        scrape_interval: interval ?? endpoint.interval,
        ...(endpoint.honorLabels !== undefined ? { honor_labels: endpoint.honorLabels } : {}),
        static_configs: pods.map((p) => ({
          targets: [p.address ?? p.ports[endpoint.portNumber] ?? `127.0.0.1:${endpoint.portNumber}`],
          labels: { namespace: monitor.metadata.namespace, pod: p.pod },
        })),
      });
    });
  }
  return jobs;
}

/** ISO 8601 minutes (PT5M) as a Prometheus duration. */
const duration = (iso) => `${/^PT(\d+)M$/.exec(iso)[1]}m`;

/**
 * The Azure rule groups of bicep/env/<env>.monitoring.json (`azure.ruleGroups`) as a Prometheus
 * rule file: what promtool checks and a test's Prometheus evaluates. `evaluationInterval`
 * replaces each group's own (a run evaluates faster); `annotations: false` leaves them out
 * (promtool's unit tests compare labels); `expr` rewrites each expression (a canary).
 */
export function ruleFileFrom(ruleGroups, { evaluationInterval, annotations = true, expr = (e) => e } = {}) {
  return {
    groups: ruleGroups.map((g) => ({
      name: g.name,
      interval: evaluationInterval ?? duration(g.interval),
      rules: g.rules.map((r) => ({
        alert: r.alert,
        expr: expr(r.expression),
        ...(r.for ? { for: duration(r.for) } : {}),
        labels: r.labels,
        ...(annotations ? { annotations: r.annotations } : {}),
      })),
    })),
  };
}

export async function startPrometheus({ jobs, rules, work, scrapeInterval = '2s', extraHeaders }) {
  // Not execFileSync: while npm test's background build holds the tools' lock this waits for it,
  // and the caller's other checks (the Trino check's role queries) go on meanwhile.
  const built = await promisify(execFile)('bash', [join(root, 'scripts', 'prometheus-tools.sh'), 'prometheus'], { encoding: 'utf8' });
  process.stderr.write(built.stderr);
  const tools = built.stdout.trim();
  const port = await freePort();
  const rulesFile = join(work, 'rules.yml');
  writeFileSync(rulesFile, YAML.stringify(rules ?? { groups: [] }));
  const config = {
    global: { scrape_interval: scrapeInterval, evaluation_interval: scrapeInterval },
    rule_files: [rulesFile],
    scrape_configs: jobs.map((j) => ({ ...j, ...(extraHeaders?.[j.job_name] ? { http_headers: extraHeaders[j.job_name] } : {}) })),
  };
  writeFileSync(join(work, 'prometheus.yml'), YAML.stringify(config));
  const server = new Program('prometheus', join(tools, 'prometheus'), [
    `--config.file=${join(work, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(work, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], { cwd: work, logFile: join(work, 'prometheus.log') });
  const base = `http://127.0.0.1:${port}`;
  const api = async (path) => {
    const r = await fetch(`${base}${path}`);
    const body = await r.json();
    if (body.status !== 'success') throw new Error(`${path}: ${JSON.stringify(body)}`);
    return body.data;
  };
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  const targetCount = jobs.flatMap((j) => j.static_configs.flatMap((c) => c.targets)).length;
  return {
    base,
    server,
    api,
    /** Waits until every target was scraped at least once, or, with `after` (epoch ms), once since then; returns the targets with their health. */
    async waitForScrapes(timeoutMs = 60000, after = 0) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        try {
          const { activeTargets } = await api('/api/v1/targets');
          if (activeTargets.length === targetCount && activeTargets.every((t) => t.lastScrape && !t.lastScrape.startsWith('0001') && Date.parse(t.lastScrape) > after)) return activeTargets;
        } catch {}
        if (!server.running) throw new Error(`prometheus exited:\n${server.problems()}`);
        await sleep(500);
      }
      throw new Error(`not every target scraped within ${timeoutMs / 1000} s`);
    },
    /** Every metric name Prometheus holds (from the scrapes; `up` and scrape_* are its own). */
    async names() {
      return new Set(await api('/api/v1/label/__name__/values'));
    },
    async query(expr) {
      return (await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result;
    },
    /** `firing`, `pending` or `inactive` for an alert of the loaded rules. */
    async alertState(alert) {
      const { groups } = await api('/api/v1/rules?type=alert');
      const rule = groups.flatMap((g) => g.rules).find((r) => r.name === alert);
      if (!rule) throw new Error(`alert ${alert} is not loaded`);
      return rule.state;
    },
    stop: () => server.stop(),
  };
}

/** Metric names of the alerts and panels of an environment, with where each is used. */
export function usedMetricNames(monitoringJson) {
  const used = new Map();
  const add = (name, where) => used.set(name, [...(used.get(name) ?? []), where]);
  const names = (expr) =>
    [...expr.replace(/"[^"]*"/g, '""').matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
      .map((m) => m[1])
      .filter((n) => !PROMQL_WORDS.has(n) && !/^\d/.test(n) && !/^[a-z]$/.test(n) && /_|^up$/.test(n));
  for (const g of monitoringJson.azure.ruleGroups) for (const r of g.rules) for (const n of names(r.expression)) add(n, `alert ${r.alert}`);
  for (const [uid, d] of Object.entries(monitoringJson.dashboards)) {
    for (const p of d.panels ?? []) for (const t of p.targets ?? []) for (const n of names(t.expr ?? '')) add(n, `dashboard ${uid}: ${p.title}`);
  }
  return used;
}

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'le', 'job_name', 'namespace', 'connector', 'clientid', 'status', 'name', 'pod', 'task', 'condition']);

