// The metric names the alerts and dashboards read, against a real scrape: Trino 476 boots with
// the coordinator configuration of dist/<env>/, a real Prometheus (v0.316.0, from the Go module
// proxy) scrapes its /metrics and evaluates the environment's generated rules, and every name
// listed as scraped in test/monitoring/metric-sources.mjs must be among the names Prometheus holds.
// The fault: the coordinator runs without the worker the environment asks for, and
// TrinoWorkersMissing must be seen pending or firing.
//
//   node test/monitoring/coverage.mjs [dist] [env]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { modernJava, Program, ProgramError, root, stageTrino, trinoQuery, trinoServer } from '../lib/programs.mjs';
import { ruleFileFrom, startPrometheus } from '../e2e/prometheus.mjs';
import { SCRAPED } from './metric-sources.mjs';

const dist = resolve(process.argv[2] ?? join(root, 'dist'));
const env = process.argv[3] ?? 'dev';
let passed = 0;
let failed = 0;
const check = (name, ok, detail = '') => {
  ok ? passed++ : failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `: ${detail}`}`);
};
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function main() {
  const began = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'coverage-'));
  const files = YAML.parse(readFileSync(join(dist, env, 'trino', 'configmap-trino-coordinator.yaml'), 'utf8')).data;
  const staged = await stageTrino('coverage', files, await trinoServer('476'));
  const trino = new Program('trino', modernJava(), staged.args, {
    cwd: staged.dir,
    env: { TRINO_INTERNAL_SHARED_SECRET: 'c'.repeat(64), POLARIS_CLIENT_ID: 'coverage', POLARIS_CLIENT_SECRET: 'coverage', HOSTNAME: 'coverage' },
    logFile: join(staged.dir, 'server.log'),
  });
  let prometheus;
  try {
    const deadline = Date.now() + 300000;
    while (!trino.log().includes('SERVER STARTED')) {
      if (!trino.running || Date.now() > deadline) throw new ProgramError(`Trino did not start:\n${trino.problems()}`);
      await sleep(500);
    }
    const base = `http://127.0.0.1:${staged.http}`;
    // One query that succeeds and one that fails, so the query counters exist.
    await trinoQuery(base, 'SELECT 1');
    await trinoQuery(base, 'SELECT * FROM no_such_catalog.s.t').catch(() => {});

    const unauthenticated = await fetch(`${base}/metrics`);
    check('Trino 476 refuses /metrics without a user (why Trino has no PodMonitor yet)', unauthenticated.status === 401, `HTTP ${unauthenticated.status}`);

    const monitoring = JSON.parse(readFileSync(join(root, 'bicep', 'env', `${env}.monitoring.json`), 'utf8'));
    const job = { job_name: 'trino/coordinator', metrics_path: '/metrics', static_configs: [{ targets: [`127.0.0.1:${staged.http}`], labels: { namespace: 'trino', pod: 'trino-coordinator-local' } }], http_headers: { 'X-Trino-User': { values: ['prometheus'] } } };
    const trinoGroups = { ...monitoring, azure: { ...monitoring.azure, ruleGroups: monitoring.azure.ruleGroups.filter((g) => g.name === 'trino') } };
    const t0 = Date.now();
    prometheus = await startPrometheus({ jobs: [job], rules: ruleFileFrom(trinoGroups), work });
    const targets = await prometheus.waitForScrapes();
    check('a real Prometheus v0.316.0 scrapes Trino', targets.every((t) => t.health === 'up'), JSON.stringify(targets.map((t) => [t.health, t.lastError])));
    const names = await prometheus.names();
    for (const name of SCRAPED.trino.names) check(`${name} is in the scrape`, names.has(name), `${names.size} names scraped`);

    // The fault: dev asks for workers; the coordinator runs alone here.
    let state = 'inactive';
    const until = Date.now() + 60000;
    while (state === 'inactive' && Date.now() < until) {
      await sleep(1000);
      state = await prometheus.alertState('TrinoWorkersMissing');
    }
    check('TrinoWorkersMissing is pending or firing while no worker runs', state === 'pending' || state === 'firing', state);
    console.log(`  Prometheus: started, scraped and evaluated in ${((Date.now() - t0) / 1000).toFixed(1)} s; whole check ${((Date.now() - began) / 1000).toFixed(1)} s`);
  } finally {
    await prometheus?.stop();
    await trino.stop();
    rmSync(staged.dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

await main().catch((e) => {
  failed++;
  console.error(`coverage: ${e instanceof ProgramError ? e.message : e.stack}`);
});
console.log(`coverage: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
