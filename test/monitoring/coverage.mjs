// Trino's metrics, read the way the managed Prometheus add-on reads them in AKS. Trino 476 boots
// with the files of dist/: the dev coordinator (alone), the prod coordinator and a prod worker
// joined to it. For every Trino PodMonitor of dist/ the check sends the request the scraper sends
// (scheme, port, path of the PodMonitor; Basic auth from the Secret it names, rendered from dist/,
// an ExternalSecret over a stand-in vault) and requires 200 with the metrics, and 401 without
// credentials or with a wrong password; only the metrics user may read them (403 for another
// user where access control runs), and in prod it cannot run a query. Then a real Prometheus
// (v0.316.0, from the Go module proxy) scrapes all three with jobs translated from the
// PodMonitors, every name listed as scraped in test/monitoring/metric-sources.mjs must be among
// the names it holds, and the fault: the dev coordinator runs without the worker dev asks for, so
// TrinoWorkersMissing of dev's generated rules must be seen pending or firing.
//
//   node test/monitoring/coverage.mjs [dist]
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { describeMoves, freePort, modernJava, parseProperties, Program, ProgramError, root, stageTrino, trinoQuery, trinoServer } from '../lib/programs.mjs';
import { ruleFileFrom, startPrometheus } from '../e2e/prometheus.mjs';
import { query } from '../trino/queries.mjs';
import { SCRAPED } from './metric-sources.mjs';
import { basicAuthHeader, renderedSecret, scrapeAuth } from './scrape-auth.mjs';

const dist = resolve(process.argv[2] ?? join(root, 'dist'));
let passed = 0;
let failed = 0;
const check = (name, ok, detail = '') => {
  ok ? passed++ : failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `: ${detail}`}`);
};
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const configMap = (env, name) => YAML.parse(readFileSync(join(dist, env, 'trino', `configmap-${name}.yaml`), 'utf8')).data;
const secrets = { TRINO_INTERNAL_SHARED_SECRET: randomBytes(32).toString('hex'), POLARIS_CLIENT_ID: 'coverage', POLARIS_CLIENT_SECRET: 'coverage' };

/** The Trino nodes of this run, each with the PodMonitor that selects its pods in AKS. */
async function stageNodes(home) {
  const nodes = [];
  const stage = async (env, role, options) => {
    const files = configMap(env, `trino-${role}`);
    const staged = await stageTrino(`coverage-${env}-${role}`, files, home, options);
    const file = join(dist, env, 'trino', `podmonitor-trino-${role}.yaml`);
    if (!existsSync(file)) throw new ProgramError(`dist/${env}/trino has no PodMonitor trino-${role}: Trino is not scraped`);
    const monitor = YAML.parse(readFileSync(file, 'utf8'));
    console.log(`${env} ${role}, moved for this machine: ${describeMoves(staged.moves)}`);
    nodes.push({ env, role, files, staged, monitor, generatedHttp: Number(parseProperties(files['config.properties'])['http-server.http.port']) });
    return staged;
  };
  // The password file holds the metrics user and one user in no role; the metrics user's password
  // is what the vault stand-in then holds as trino-metrics-password (the operator sets both).
  const users = ['trino-metrics', 'outsider'];
  await stage('dev', 'coordinator', { users });
  const prod = await stage('prod', 'coordinator', { users, withWorkers: true });
  const closed = `http://127.0.0.1:${await freePort()}`;
  await stage('prod', 'worker', {
    coordinatorUri: `http://127.0.0.1:${prod.http}`,
    catalog: (text) => text.replace(/^iceberg\.rest-catalog\.uri=.*$/m, `iceberg.rest-catalog.uri=${closed}`),
  });
  return nodes;
}

/** Where the PodMonitor's port listens here: the generated HTTP or HTTPS port, moved. */
function addressOf(node, endpoint) {
  const https = Number(parseProperties(node.files['config.properties'])['http-server.https.port']);
  if (endpoint.portNumber === node.generatedHttp) return `127.0.0.1:${node.staged.http}`;
  if (endpoint.portNumber === https) return `127.0.0.1:${node.staged.https}`;
  throw new ProgramError(`${node.env} ${node.role}: PodMonitor port ${endpoint.portNumber} is neither Trino's HTTP nor HTTPS port`);
}

async function scraperChecks(node, vault) {
  const [endpoint] = node.monitor.spec.podMetricsEndpoints;
  const auth = scrapeAuth(endpoint, (name) => renderedSecret(dist, node.env, 'trino', name, vault));
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
  return { auth, endpoint, url };
}

/** In prod the metrics user signs in and may not run a query, let alone read data. */
async function metricsUserQueries(node, auth) {
  const base = `https://127.0.0.1:${node.staged.https}`;
  for (const sql of ['SELECT 1', 'SELECT * FROM lakehouse.information_schema.tables', 'SELECT node_id FROM system.runtime.nodes']) {
    const outcome = await query(base, sql, auth.basic_auth.username, auth.basic_auth.password).then(
      () => 'allowed',
      (e) => e.message,
    );
    check(`prod: the metrics user is refused ${sql}`, /Access Denied/.test(outcome), outcome);
  }
}

async function main() {
  const began = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'coverage-'));
  const home = await trinoServer('476');
  const nodes = await stageNodes(home);
  const vault = { 'trino-metrics-password': nodes.find((n) => n.env === 'prod').staged.password };
  const java = modernJava();
  const programs = nodes.map((n) => new Program(`${n.env} ${n.role}`, java, n.staged.args, { cwd: n.staged.dir, env: { ...secrets, HOSTNAME: `coverage-${n.env}-${n.role}` }, logFile: join(n.staged.dir, 'server.log') }));
  let prometheus;
  try {
    const deadline = Date.now() + 300000;
    for (const p of programs) {
      while (!p.log().includes('SERVER STARTED')) {
        if (!p.running || Date.now() > deadline) throw new ProgramError(`${p.name} did not start:\n${p.problems()}`);
        await sleep(500);
      }
    }
    console.log(`  Trino: three nodes up in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    process.removeAllListeners('warning');
    // dev: one query that succeeds and one that fails, so the query counters exist.
    const devBase = `http://127.0.0.1:${nodes[0].staged.http}`;
    await trinoQuery(devBase, 'SELECT 1');
    await trinoQuery(devBase, 'SELECT * FROM no_such_catalog.s.t').catch(() => {});

    const jobs = [];
    for (const node of nodes) {
      const { auth, endpoint } = await scraperChecks(node, vault);
      if (node.env === 'prod' && node.role === 'coordinator') await metricsUserQueries(node, auth);
      jobs.push({
        job_name: `podMonitor/${node.env}/trino/${node.monitor.metadata.name}`,
        metrics_path: endpoint.path,
        // The add-on's timeout: the PodMonitor sets none, so Prometheus's default 10 s applies
        // (the interval here is shorter than the PodMonitor's 30 s only to make the test quick).
        scrape_interval: '10s',
        scrape_timeout: '10s',
        ...auth,
        // Two environments in one Prometheus: told apart by namespace, which the rules group by.
        static_configs: [{ targets: [addressOf(node, endpoint)], labels: { namespace: `${node.monitor.metadata.namespace}-${node.env}`, pod: `${node.monitor.metadata.name}-local` } }],
      });
    }

    const monitoring = JSON.parse(readFileSync(join(root, 'bicep', 'env', 'dev.monitoring.json'), 'utf8'));
    const trinoGroups = monitoring.azure.ruleGroups.filter((g) => g.name === 'trino');
    const t0 = Date.now();
    prometheus = await startPrometheus({ jobs, rules: ruleFileFrom(trinoGroups, { evaluationInterval: '5s' }), work });
    let targets = await prometheus.waitForScrapes();
    // A target is down after a failed scrape and up again after the next good one: wait for up.
    for (const until = Date.now() + 60000; !targets.every((t) => t.health === 'up') && Date.now() < until; ) {
      await sleep(1000);
      targets = (await prometheus.api('/api/v1/targets')).activeTargets;
    }
    check(`a real Prometheus v0.316.0 scrapes the ${jobs.length} Trino targets with the PodMonitors' auth`, targets.length === jobs.length && targets.every((t) => t.health === 'up'), JSON.stringify(targets.map((t) => [t.scrapePool, t.health, t.lastError])));
    const names = await prometheus.names();
    for (const name of SCRAPED.trino.names) check(`${name} is in the scrape`, names.has(name), `${names.size} names scraped`);

    // The fault: dev asks for a worker; its coordinator runs alone here.
    let state = 'inactive';
    const until = Date.now() + 60000;
    while (state === 'inactive' && Date.now() < until) {
      await sleep(1000);
      state = await prometheus.alertState('TrinoWorkersMissing');
    }
    check('dev: TrinoWorkersMissing is pending or firing while no worker runs', state === 'pending' || state === 'firing', state);
    console.log(`  Prometheus: started, scraped and evaluated in ${((Date.now() - t0) / 1000).toFixed(1)} s; whole check ${((Date.now() - began) / 1000).toFixed(1)} s`);
  } finally {
    await prometheus?.stop();
    for (const p of programs) await p.stop();
    for (const n of nodes) rmSync(n.staged.dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

await main().catch((e) => {
  failed++;
  console.error(`coverage: ${e instanceof ProgramError ? e.message : e.stack}`);
});
console.log(`coverage: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
