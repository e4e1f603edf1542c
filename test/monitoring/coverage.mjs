// Trino's metrics, read the way the managed Prometheus add-on reads them in AKS, from the Trino 476
// nodes test/trino/check.mjs booted with the files of dist/ (each environment's coordinator and
// worker). For every Trino PodMonitor of dist/ the check sends the request the scraper sends
// (scheme, port, path of the PodMonitor; Basic auth from the Secret it names, rendered from dist/,
// an ExternalSecret over a stand-in vault) and requires 200 with the metrics, and 401 without
// credentials or with a wrong password; only the metrics user may read them (403 for another
// user where access control runs), and in prod it cannot run a query. Then a real Prometheus
// (v0.316.0, from the Go module proxy) scrapes them all with jobs translated from the
// PodMonitors, and every name listed as scraped in test/monitoring/metric-sources.mjs must be
// among the names it holds. The fault, as check.mjs drains dev's worker: dev's coordinator has
// fewer workers than dev asks for, so TrinoWorkersMissing of dev's generated rules must be seen
// pending or firing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { parseProperties, ProgramError, root, trinoQuery } from '../lib/programs.mjs';
import { ruleFileFrom, startPrometheus } from '../e2e/prometheus.mjs';
import { query, untilScheduled } from '../trino/queries.mjs';
import { SCRAPED } from './metric-sources.mjs';
import { basicAuthHeader, renderedSecret, scrapeAuth } from './scrape-auth.mjs';

/** The user the metrics Secrets name; the operator puts it in the password file (trino-password-db). */
export const METRICS_USER = 'trino-metrics';
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Each node of `environments` (test/trino/boot.mjs startEnvironment) with the PodMonitor that selects its pods in AKS. */
function scrapedNodes(dist, environments) {
  return environments.flatMap((trino) =>
    Object.values(trino.nodes).map((node) => {
      const file = join(dist, trino.env, 'trino', `podmonitor-trino-${node.role}.yaml`);
      if (!existsSync(file)) throw new ProgramError(`dist/${trino.env}/trino has no PodMonitor trino-${node.role}: Trino is not scraped`);
      // The stand-in vault: the metrics user's password is what the password file holds for it.
      const vault = { 'trino-metrics-password': trino.nodes.coordinator.staged.password };
      return { env: trino.env, role: node.role, files: node.files, staged: node.staged, vault, monitor: YAML.parse(readFileSync(file, 'utf8')), generatedHttp: Number(parseProperties(node.files['config.properties'])['http-server.http.port']) };
    }),
  );
}

/** Where the PodMonitor's port listens here: the generated HTTP or HTTPS port, moved. */
function addressOf(node, endpoint) {
  const https = Number(parseProperties(node.files['config.properties'])['http-server.https.port']);
  if (endpoint.portNumber === node.generatedHttp) return `127.0.0.1:${node.staged.http}`;
  if (endpoint.portNumber === https) return `127.0.0.1:${node.staged.https}`;
  throw new ProgramError(`${node.env} ${node.role}: PodMonitor port ${endpoint.portNumber} is neither Trino's HTTP nor HTTPS port`);
}

/** The PodMonitor's endpoint of `node` and the scraper's auth, from the Secret rendered from dist/. */
function scrapeTarget(dist, node) {
  const [endpoint] = node.monitor.spec.podMetricsEndpoints;
  return { endpoint, auth: scrapeAuth(endpoint, (name) => renderedSecret(dist, node.env, 'trino', name, node.vault)) };
}

async function scraperChecks(check, node, { endpoint, auth }) {
  const url = `${auth.scheme}://${addressOf(node, endpoint)}${endpoint.path}`;
  const what = `${node.env} ${node.role} (${auth.scheme} ${endpoint.portNumber}, user ${auth.basic_auth?.username})`;
  const get = (headers) => fetch(url, { headers }).then(async (r) => ({ status: r.status, body: await r.text() }));
  const scraper = await get(auth.basic_auth ? basicAuthHeader(auth.basic_auth) : {});
  const names = node.role === 'coordinator' ? SCRAPED.trino.names : ['trino_'];
  check(`${what}: the scraper's request is answered 200 with the metrics`, scraper.status === 200 && names.every((n) => scraper.body.includes(n)), `HTTP ${scraper.status} ${scraper.body.slice(0, 160)}`);
  const anonymous = await get({});
  check(`${what}: without credentials 401`, anonymous.status === 401, `HTTP ${anonymous.status}`);
  const wrong = await get(basicAuthHeader({ username: auth.basic_auth.username, password: `${auth.basic_auth.password}x` }));
  check(`${what}: with a wrong password 401`, wrong.status === 401, `HTTP ${wrong.status}`);
  if (node.files['access-control.properties']) {
    const other = await get(basicAuthHeader({ username: 'outsider', password: auth.basic_auth.password }));
    check(`${what}: another user, signed in as the scraper is, 403 (only the metrics user reads system information)`, other.status === 403, `HTTP ${other.status}`);
    if (node.role === 'worker') {
      const drain = await fetch(`${auth.scheme}://${addressOf(node, endpoint)}/v1/info/state`, { method: 'PUT', headers: { ...basicAuthHeader(auth.basic_auth), 'Content-Type': 'application/json' }, body: '"SHUTTING_DOWN"' });
      check(`${what}: the metrics user may not shut the worker down (403)`, drain.status === 403, `HTTP ${drain.status}`);
    }
  } else {
    console.log(`  ${what}: no access control in ${node.env} (authentication none): any name reads /metrics there, as any name may query`);
  }
  return { auth, endpoint };
}

/** In prod the metrics user signs in and may not run a query, let alone read data. */
async function metricsUserQueries(check, node, auth) {
  const base = `https://127.0.0.1:${node.staged.https}`;
  for (const sql of ['SELECT 1', 'SELECT * FROM lakehouse.information_schema.tables', 'SELECT node_id FROM system.runtime.nodes']) {
    const outcome = await query(base, sql, auth.basic_auth.username, auth.basic_auth.password).then(
      () => 'allowed',
      (e) => e.message,
    );
    // Refused by the rules once signed in; a refused sign-in (HTTP 401 "Access Denied: Invalid credentials") proves nothing.
    check(`prod: the metrics user is refused ${sql}`, /Access Denied: Cannot/.test(outcome), outcome);
  }
}

/**
 * A real Prometheus started to scrape every node with the generated rules loaded, then the
 * scraper's requests against every node, as soon as the nodes are up. dev's query counters exist
 * once dev has run a query, which needs its worker: `counters` settles (with the time) once one
 * query has succeeded and one failed there, beside the caller's join and role checks.
 * trinoScrapeChecks waits for the scrapes after that.
 */
export async function startTrinoScraping({ check: report, dist, environments, work }) {
  // Details only on failure: a passing line would print the start of the metrics text.
  const check = (name, ok, detail) => report(name, ok, ok ? '' : detail);
  const nodes = scrapedNodes(dist, environments);
  const dev = environments.find((t) => t.env === 'dev');
  const counters = untilScheduled('dev', 'SELECT 1', () => trinoQuery(dev.base, 'SELECT 1'))
    .then(() => trinoQuery(dev.base, 'SELECT * FROM no_such_catalog.s.t').catch(() => {}))
    .then(() => Date.now());
  counters.catch(() => {});

  const targets = nodes.map((node) => ({ node, ...scrapeTarget(dist, node) }));
  const jobs = targets.map(({ node, endpoint, auth }) => ({
    job_name: `podMonitor/${node.env}/trino/${node.monitor.metadata.name}`,
    metrics_path: endpoint.path,
    // Shorter than the PodMonitor's 30 s only to make the test quick, and the timeout with it
    // (a timeout may not exceed the interval; the add-on's is Prometheus's default 10 s, and a
    // scrape of a node here takes well under a second).
    scrape_interval: '5s',
    scrape_timeout: '5s',
    ...auth,
    // Two environments in one Prometheus: told apart by namespace, which the rules group by.
    static_configs: [{ targets: [addressOf(node, endpoint)], labels: { namespace: `${node.monitor.metadata.namespace}-${node.env}`, pod: `${node.monitor.metadata.name}-local` } }],
  }));
  const monitoring = JSON.parse(readFileSync(join(root, 'bicep', 'env', 'dev.monitoring.json'), 'utf8'));
  const trinoGroups = monitoring.azure.ruleGroups.filter((g) => g.name === 'trino');
  const prometheus = await startPrometheus({ jobs, rules: ruleFileFrom(trinoGroups, { evaluationInterval: '2s' }), work });
  const startedAt = Date.now();
  for (const { node, endpoint, auth } of targets) {
    await scraperChecks(check, node, { endpoint, auth });
    if (node.env === 'prod' && node.role === 'coordinator') await metricsUserQueries(check, node, auth);
  }
  return { prometheus, targetCount: jobs.length, startedAt, counters };
}

/**
 * Once Prometheus (startTrinoScraping) has scraped every target since dev's query counters
 * exist: all of them up with the PodMonitors' auth, and every Trino name the alerts and panels
 * read in the scrape.
 */
export async function trinoScrapeChecks({ check: report, scraping: { prometheus, targetCount, startedAt, counters } }) {
  const check = (name, ok, detail) => report(name, ok, ok ? '' : detail);
  let targets = await prometheus.waitForScrapes(60000, await counters);
  // A target is down after a failed scrape and up again after the next good one: wait for up.
  for (const until = Date.now() + 60000; !targets.every((t) => t.health === 'up') && Date.now() < until; ) {
    await sleep(1000);
    targets = (await prometheus.api('/api/v1/targets')).activeTargets;
  }
  check(`a real Prometheus v0.316.0 scrapes the ${targetCount} Trino targets with the PodMonitors' auth`, targets.length === targetCount && targets.every((t) => t.health === 'up'), JSON.stringify(targets.map((t) => [t.scrapePool, t.health, t.lastError])));
  // Trino may count the failed query a moment after its client saw the error: a later scrape holds it.
  let names = await prometheus.names();
  for (const until = Date.now() + 30000; !SCRAPED.trino.names.every((n) => names.has(n)) && Date.now() < until; ) {
    await sleep(1000);
    names = await prometheus.names();
  }
  for (const name of SCRAPED.trino.names) check(`${name} is in the scrape`, names.has(name), `${names.size} names scraped`);
  console.log(`  Prometheus: every target scraped ${((Date.now() - startedAt) / 1000).toFixed(1)} s after its start`);
}

/** TrinoWorkersMissing in `namespace` (as the scrape jobs label it): its state (inactive, pending or firing) and since when. */
async function workersMissing(prometheus, namespace) {
  const { alerts } = await prometheus.api('/api/v1/alerts');
  const alert = alerts.find((a) => a.labels.alertname === 'TrinoWorkersMissing' && a.labels.namespace === namespace);
  return { state: alert?.state ?? 'inactive', activeAt: alert ? Date.parse(alert.activeAt) : undefined };
}

/** While dev's worker runs, dev's alert stays quiet at an evaluation after the scrapes. */
export async function workersPresentCheck({ check, prometheus }) {
  const since = Date.now();
  const evaluated = async () => {
    const { groups } = await prometheus.api('/api/v1/rules?type=alert');
    return Date.parse(groups.find((g) => g.name === 'trino').lastEvaluation) > since;
  };
  for (const until = since + 30000; !(await evaluated()) && Date.now() < until; ) await sleep(500);
  const { state } = await workersMissing(prometheus, 'trino-dev');
  check("dev: TrinoWorkersMissing is quiet while dev's worker runs", state === 'inactive', state);
}

/**
 * The fault: dev asks for a worker, and its coordinator has none left. Watched from the start of
 * the drain; it counts once it went pending at or after `since()` (when dev's preStop command
 * started), not for a reason of its own before.
 */
export async function workersMissingCheck({ check, prometheus, since }) {
  const t0 = Date.now();
  let alert = { state: 'inactive' };
  const caused = () => alert.state !== 'inactive' && since() !== undefined && alert.activeAt >= since();
  for (const until = t0 + 60000; !caused() && Date.now() < until; ) {
    await sleep(1000);
    alert = await workersMissing(prometheus, 'trino-dev');
  }
  const detail = alert.state === 'inactive' ? 'inactive' : `${alert.state} since ${new Date(alert.activeAt).toISOString()}, dev's preStop command started ${since() === undefined ? 'never' : new Date(since()).toISOString()}`;
  check('dev: TrinoWorkersMissing is pending or firing once the worker drains', caused(), detail);
  console.log(`  Prometheus: dev's alert ${alert.state} ${((Date.now() - t0) / 1000).toFixed(1)} s after the drain began`);
}
