// The checks of `npm test` after set-up, one at a time per two cores: vitest and the JVMs each
// keep two cores busy, so on a 2-core machine they run one after another (run together they
// only slowed each other, and a test of a CLI ran into vitest's 30 s hang guard at load 16).
// CHECKS_AT_ONCE overrides it. Checks in one lane run in order: they share a cache they fill on
// a cold machine (Maven's repository, the Trino download, the Prometheus build). A check of a
// one-core lane (Python, checkov, tsc) runs beside them (LIGHT_LANES below), and so does the
// Trino check, which mostly waits (WAITING_LANES). One at a time, a check's
// output streams; several at a time, each prints in one piece when it ends. Every
// check prints its time, the slowest come last in a table; the first failure stops new checks
// from starting, and the run fails once the running ones end.
//   node scripts/checks.mjs [--only-typescript] [--list]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { checkKey, recordedPass, recordPass, repositoryFiles, uncoveredOpens } from './check-reuse.mjs';

const root = resolve(import.meta.dirname, '..');
// What a check that runs the charts' TypeScript (scripts/run-ts.mjs) reads besides its own files.
const TYPESCRIPT_SOURCES = ['main.ts', 'charts', 'environments', 'imports', 'scripts/run-ts.mjs', 'scripts/vendor-layer.mjs', 'scripts/bundle-state.mjs', 'scripts/snapshot.mjs', 'scripts/source-location.mjs', 'tsconfig.json', 'package.json'];
// The tools ensure-deps installed: the Python checkers in .venv, the npm ones in node_modules.
const env = { ...process.env, PATH: [join(root, '.venv', 'bin'), join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter) };

// What the vitest suites read besides test/standalone.test.ts (which reads every tracked file):
// the sources they import or copy, the pinned upstream files, the committed output, the snapshots,
// and the few files of the real-program checks and docs they compare against. `--audit-inputs
// vitest` proves the list.
const VITEST_READS = [
  ...TYPESCRIPT_SOURCES, 'images', 'scripts', 'dist', 'bicep', 'pinned', 'cdk8s.yaml', 'package-lock.json', 'vitest.config.mts', '__snapshots__',
  'test/*.ts', 'test/lib', 'test/fake-az', 'test/e2e/prometheus.mjs', 'test/e2e/pom.xml', 'test/e2e/flink/pom.xml', 'test/flink/pom.xml',
  'test/kafka-connect/pom.xml', 'test/monitoring/metric-sources.mjs', 'docs/monitoring.md',
];
/**
 * name, lane, command (bash), inputs (what the check reads, for reuse: scripts/check-reuse.mjs;
 * `--audit-inputs` proves them). The order within a lane is the order here.
 */
const TYPESCRIPT = [
  ['type-check (tsc)', 'node', 'tsc -p tsconfig.json', ['.']],
  ['unit, contract, schema and snapshot tests (vitest)', 'typescript', 'vitest run --exclude test/standalone.test.ts', VITEST_READS],
  ['the repository stands alone: no path outside it in any tracked file, every pinned file as its manifest records (vitest)', 'node', 'vitest run test/standalone.test.ts', ['.']],
];

const lib = ['test/lib', 'package.json', 'package-lock.json'];
// What test/trino/access-intent.ts bundles (the environments' Trino settings, without the charts:
// environment files import only charts/define-environment.ts), and what bundles it.
const TRINO_INTENT_SOURCES = ['environments', 'charts/define-environment.ts', 'charts/lib', 'charts/trino', ...TYPESCRIPT_SOURCES.filter((f) => f.startsWith('scripts/') || f.endsWith('.json'))];
const REAL_PROGRAMS_AND_SCANNERS = [
  ['Polaris catalog creator, run from dist/ against the Polaris API models (stand-in server)', 'python', '.venv-polaris/bin/python test/polaris/creator_test.py dist', ['test/polaris', 'dist/*/polaris', 'requirements-polaris.txt']],
  ["Polaris admin tool: the bootstrap Job's arguments through picocli with the 1.7.0 option model, its credentials file and the catalog's flags through the real polaris-core 1.7.0", 'maven', 'node test/polaris/admin/check.mjs dist', [...lib, 'test/polaris/admin', 'dist/*/polaris', 'pinned/polaris']],
  [
    "Trino 476 booted once from dist/ (each environment's coordinator and worker): the worker joins and runs the tasks, prod's roles allow and refuse what they mean; each PodMonitor's request is answered and others refused, a real Prometheus v0.316.0 scrapes every node and finds every name the alerts and panels take from Trino; the generated preStop drains each worker, and as dev's drains, dev's TrinoWorkersMissing goes pending; a misspelt key stops Trino (downloads and Trino's AOT cache in ~/.cache/aks-lakehouse)",
    'trino',
    'node --no-warnings test/trino/check.mjs dist',
    [...lib, 'test/trino', 'test/monitoring', 'test/e2e/prometheus.mjs', 'dist/*/trino', 'dist/*/secret-store', 'bicep/env', 'scripts/prometheus-tools.sh', ...TRINO_INTENT_SOURCES],
  ],
  ['Kafka Connect: the generated worker and sink configuration, validated by Connect 4.3.1 and the Iceberg sink (jars from images/kafka-connect/pom.xml)', 'maven', 'node test/kafka-connect/check.mjs dist', [...lib, 'test/kafka-connect', 'dist/*/kafka-connect', 'images/kafka-connect']],
  [
    'Flink: the workload identity token provider, its unit tests and the real flink-azure-fs-hadoop 1.20.0 plugin loading it (Maven Surefire)',
    'maven',
    'set -o pipefail; mvn -B --no-transfer-progress -f images/flink/token-provider/pom.xml verify | grep -E "Tests run:|BUILD|ERROR|FAIL"',
    ['images/flink/token-provider'],
  ],
  ['Flink: every configuration key the charts write exists in Flink 1.20.0 (its jars) or the operator 1.15.0, none deprecated', 'maven', 'node test/flink/check.mjs dist', [...lib, 'test/flink', 'dist/*/flink', 'dist/*/argocd', 'images/flink', 'pinned/flink']],
  ['Flink: npm run publish-job builds the example job with Maven and uploads it with Entra ID, never over a published version (fake az)', 'maven', 'node test/flink/publish-job.mjs', [...lib, 'test/flink', 'test/fake-az', 'jobs', 'scripts', 'environments', 'package.json']],
  ['Alerts: promtool v0.316.0 (built from the Go module proxy into ~/.cache/aks-lakehouse) checks every rule group and unit-tests every alert, firing and quiet', 'prometheus', 'node test/monitoring/promtool.mjs bicep/env', [...lib, 'test/monitoring', 'test/e2e/prometheus.mjs', 'bicep/env', 'scripts/prometheus-tools.sh']],
  ["Metric names: Strimzi 1.2.0's reconciliation counters through the real Micrometer 1.16.6 Prometheus registry carry the names and labels the alerts read", 'maven', 'node test/monitoring/strimzi/check.mjs bicep/env', [...lib, 'test/monitoring', 'bicep/env']],
  ['imports/ is what the cdk8s CLI generates from the pinned CRDs of cdk8s.yaml', 'typescript', 'node scripts/import.mjs --check', ['imports', 'pinned', 'cdk8s.yaml', 'scripts/import.mjs', 'scripts/pinned.mjs', ...TYPESCRIPT_SOURCES.filter((f) => f.startsWith('scripts/')), 'package.json', 'package-lock.json']],
  ['Kubernetes schemas, strict (kubernetes-validate)', 'python', 'python scripts/validate_k8s.py .', ['scripts/validate_k8s.py', 'dist', 'pinned', 'requirements-dev.txt']],
  ['forbidden strings (S3/AWS residue, placeholders, keys, SAS, connection strings)', 'python', 'node scripts/scan.mjs .', ['.']],
  ['yamllint', 'python', 'yamllint --strict -c .yamllint.yaml dist .yamllint.yaml cdk8s.yaml', ['dist', '.yamllint.yaml', 'cdk8s.yaml', 'requirements-dev.txt']],
  ['Bicep parses (pycep-parser)', 'python', 'python scripts/parse_bicep.py bicep', ['scripts/parse_bicep.py', 'bicep', 'requirements-pycep.txt']],
  ['Bicep against the pinned Azure type index (what bicep build would report)', 'python', 'python scripts/check_bicep_types.py bicep pinned', ['scripts/check_bicep_types.py', 'scripts/parse_bicep.py', 'bicep', 'pinned']],
  ['the type check can fail: it must reject the wrong fixture', 'python', 'bash test/fixtures/bicep-types/canary.sh', ['test/fixtures/bicep-types', 'scripts/check_bicep_types.py', 'scripts/parse_bicep.py', 'bicep', 'pinned']],
  ['checkov: Kubernetes manifests', 'checkov', 'checkov --config-file .checkov.yaml -d dist --framework kubernetes', ['dist', '.checkov.yaml', 'requirements-dev.txt']],
  ['checkov: Bicep', 'checkov', 'checkov --config-file .checkov.yaml -d bicep --framework bicep', ['bicep', '.checkov.yaml', 'requirements-dev.txt']],
  ['checkov can fail: it must reject the insecure fixtures', 'checkov', 'bash test/fixtures/checkov/canary.sh', ['test/fixtures/checkov', '.checkov.yaml', 'requirements-dev.txt']],
];

const onlyTypescript = process.argv.includes('--only-typescript');
const checks = (onlyTypescript ? TYPESCRIPT : [...TYPESCRIPT, ...REAL_PROGRAMS_AND_SCANNERS]).map(([name, lane, command, inputs], index) => ({ name, lane, command, inputs: [...new Set(inputs)], index }));
if (process.argv.includes('--list')) {
  for (const c of checks) console.log(`${c.lane.padEnd(10)} ${c.name}\n           reads: ${c.inputs.join(' ')}`);
  process.exit(0);
}
const files = repositoryFiles(root);
if (process.argv.includes('--audit-inputs')) process.exit(auditInputs(process.argv[process.argv.indexOf('--audit-inputs') + 1]));

/** Runs the checks (those whose name contains `filter`) one by one under strace; lists what they read undeclared. */
function auditInputs(filter) {
  const chosen = checks.filter((c) => !filter || filter.startsWith('--') || c.name.includes(filter));
  const log = join(mkdtempSync(join(tmpdir(), 'checks-audit-')), 'strace.log');
  let problems = 0;
  for (const check of chosen) {
    console.log(`== ${check.name}`);
    const run = spawnSync('strace', ['-f', '-qq', '-y', '-e', 'trace=openat', '-o', log, 'bash', '-c', check.command], { cwd: root, env, encoding: 'utf8', maxBuffer: 256 << 20 });
    const undeclared = uncoveredOpens(root, files, check, log);
    if (run.status !== 0) console.log(`${`${run.stdout}${run.stderr}`.trim().split('\n').slice(-20).join('\n')}\n   the check failed (exit ${run.status}): what it read before is below`);
    if (undeclared.length) problems++;
    console.log(undeclared.length ? `   reads, not in its inputs:\n${undeclared.map((f) => `     ${f}`).join('\n')}` : '   every file it read is in its inputs');
  }
  return problems ? 1 : 0;
}

// What scripts/test.sh runs in the background, holding .build/prefetch-<name>.lock: a check of
// these lanes starts once the locks it needs are free, and the others run meanwhile. Run without
// test.sh, no lock is held and nothing waits.
const LANE_NEEDS = { maven: ['maven'], trino: ['trino', 'prometheus'], prometheus: ['prometheus'] };
const background = new Map();
function backgroundJob(name) {
  if (!background.has(name)) {
    const lock = join(root, '.build', `prefetch-${name}.lock`);
    const job = { name, open: !existsSync(lock), endedAt: Date.now() };
    if (!job.open) {
      spawn('flock', ['-s', lock, 'true'], { stdio: 'ignore' }).on('close', () => {
        job.open = true;
        job.endedAt = Date.now();
        next();
      });
    }
    background.set(name, job);
  }
  return background.get(name);
}
// A check of these lanes waits for these jobs itself, only where it needs them: the Trino check
// starts Prometheus after booting Trino, and scripts/prometheus-tools.sh waits for the build's
// lock. So once nothing else can start and no other job runs, it starts anyway, and boots Trino
// beside the end of a cold machine's Go build instead of after it.
const LANE_WAITS_ITSELF = { trino: ['prometheus'] };
const waitsItself = (lane, name) => LANE_WAITS_ITSELF[lane]?.includes(name) ?? false;
const laneReady = (lane, { early = false } = {}) =>
  early ? [...background.values()].every((job) => job.open || waitsItself(lane, job.name)) : (LANE_NEEDS[lane] ?? []).every((name) => backgroundJob(name).open);

const slots = Number(process.env.CHECKS_AT_ONCE) || Math.max(1, Math.floor(availableParallelism() / 2));
// The checks of these lanes keep one core busy at most (Python: checkov 7 s of CPU in 7.5 s, the
// Kubernetes schemas 8 s in 8.4 s, the Polaris creator 11 s in 24 s; node: tsc 6 s in 6 s, the
// standalone check), while a check of the other lanes rarely keeps two busy all along (npm
// test: 314 s of CPU in 250 s). So on 2 cores one of them runs beside the other checks, with its
// output printed in one piece when it ends. CHECKS_LIGHT_AT_ONCE=0 runs them one at a time.
const LIGHT_LANES = new Set(['python', 'checkov', 'node']);
const lightSlots = Number(process.env.CHECKS_LIGHT_AT_ONCE ?? (availableParallelism() >= 2 ? slots : 0));
const isLight = (check) => lightSlots > 0 && LIGHT_LANES.has(check.lane);
// The Trino check mostly waits: for a worker's join (about 16 s, Trino's own discovery cycles),
// for Prometheus's scrapes and for the drains. It keeps two cores busy only while its JVMs start
// (13 s), then under one on average (measured: 45 to 55 s of CPU in 45 to 53 s alone). So on 2
// or more cores it has a slot of its own beside the others, and vitest's CPU fills its waits.
// While the Go build of a cold machine runs, it still starts only when no other check does
// (LANE_WAITS_ITSELF). CHECKS_WAITING_AT_ONCE=0 runs it in the common slot.
const WAITING_LANES = new Set(['trino']);
const waitingSlots = Number(process.env.CHECKS_WAITING_AT_ONCE ?? (availableParallelism() >= 2 ? 1 : 0));
const isWaiting = (check) => waitingSlots > 0 && WAITING_LANES.has(check.lane);
const started = Date.now();
const seconds = (ms) => `${Math.round(ms / 1000)}s`;
const pending = [...checks];
const busyLanes = new Set();
const results = [];
let running = 0;
let runningLight = 0;
let runningWaiting = 0;
let failed = false;

// CHECKS_REUSE=0 runs every check even where a pass with the same inputs is recorded (.ci/run does).
const reuse = process.env.CHECKS_REUSE !== '0';
const digests = new Map();

/** The pass recorded with every file `check` reads as it is now, if any (memoized on the check). */
function previousPass(check) {
  check.key ??= checkKey(root, files, check, digests);
  if (check.previous === undefined) check.previous = (reuse && recordedPass(check.key)) || null;
  return check.previous;
}

function run(check, live) {
  const previous = previousPass(check);
  const key = check.key;
  if (previous) {
    const output = `reused: passed at ${previous.passedAt} with every file it reads as it is now (took ${seconds(previous.ms)} then; CHECKS_REUSE=0 runs it)\n`;
    if (live) process.stdout.write(`\n== ${check.name}\n${output}`);
    return Promise.resolve({ check, code: 0, ms: 0, reused: true, output: live ? '' : output });
  }
  return new Promise((done) => {
    const began = Date.now();
    if (live) process.stdout.write(`\n== ${check.name}\n`);
    const child = spawn('bash', ['-c', check.command], { cwd: root, env, stdio: ['ignore', live ? 'inherit' : 'pipe', live ? 'inherit' : 'pipe'] });
    const output = [];
    child.stdout?.on('data', (d) => output.push(d));
    child.stderr?.on('data', (d) => output.push(d));
    child.on('close', (code, signal) => {
      const ms = Date.now() - began;
      if (code === 0) recordPass(key, check, ms);
      done({ check, code: code ?? 1, signal, ms, output: Buffer.concat(output).toString() });
    });
  });
}

for (const check of checks) for (const name of LANE_NEEDS[check.lane] ?? []) backgroundJob(name);
let allDone;
let waitingSaid = '';
let streaming = false;
const held = [];
const hasSlot = (check) => (isLight(check) ? runningLight < lightSlots : isWaiting(check) ? runningWaiting < waitingSlots : running < slots);
const startable = (check, early) => !busyLanes.has(check.lane) && hasSlot(check) && (previousPass(check) || laneReady(check.lane, { early }));
function next() {
  while (!failed) {
    let i = pending.findIndex((c) => startable(c, false));
    if (i < 0 && running === 0) i = pending.findIndex((c) => !isLight(c) && LANE_WAITS_ITSELF[c.lane] && startable(c, true));
    if (i < 0) break;
    const [check] = pending.splice(i, 1);
    const light = isLight(check);
    const waiting = isWaiting(check);
    busyLanes.add(check.lane);
    if (light) runningLight++;
    else if (waiting) runningWaiting++;
    else running++;
    // One check at a time streams its output: the one of the single slot for the others.
    const live = !light && !waiting && slots === 1;
    if (live) streaming = true;
    run(check, live).then((result) => {
      if (light) runningLight--;
      else if (waiting) runningWaiting--;
      else running--;
      busyLanes.delete(check.lane);
      results.push(result);
      const ok = result.code === 0;
      const printed = live ? '' : `\n== ${check.name}\n${result.output}${result.output.endsWith('\n') || !result.output ? '' : '\n'}`;
      const report = `${printed}-- ${result.reused ? 'ok, reused' : ok ? 'ok' : `FAILED (exit ${result.code}${result.signal ? `, ${result.signal}` : ''})`} in ${seconds(result.ms)} [${check.lane}]\n`;
      // A check that ends while another streams is printed after that one, not inside its output.
      if (!live && streaming) held.push(report);
      else process.stdout.write(report + held.splice(0).join(''));
      if (live) streaming = false;
      if (!ok) failed = true;
      next();
    });
  }
  if (running > 0 || runningLight > 0 || runningWaiting > 0) return;
  if (failed || pending.length === 0) return allDone();
  // Only checks that wait for a background job are left: a job's end calls next() again.
  const waiting = [...background.values()].filter((job) => !job.open).map((job) => `.build/prefetch-${job.name}.log`).join(', ');
  if (waiting !== waitingSaid) console.log(`\n-- waiting for what runs in the background (${waiting})`);
  waitingSaid = waiting;
}
await new Promise((resolve) => {
  allDone = resolve;
  next();
});

console.log(`\n== times (${slots} at a time${lightSlots ? `, and ${lightSlots} of the one-core lanes (${[...LIGHT_LANES].join(', ')}) beside them` : ''}${waitingSlots && checks.some(isWaiting) ? `, and ${waitingSlots} of the mostly waiting (${[...WAITING_LANES].join(', ')})` : ''}; wall ${seconds(Date.now() - started)})`);
for (const r of results.sort((a, b) => b.ms - a.ms)) console.log(`${seconds(r.ms).padStart(5)}  ${r.reused ? 'reused' : r.code === 0 ? 'ok    ' : 'FAILED'}  ${r.check.name.slice(0, 110)}`);
for (const job of background.values()) {
  const log = join(root, '.build', `prefetch-${job.name}.log`);
  const said = existsSync(log) ? readFileSync(log, 'utf8').replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').at(-1) : '';
  const ended = job.endedAt - started < 1000 ? 'had ended when the checks began' : `ended ${seconds(job.endedAt - started)} after the checks began`;
  console.log(`background ${job.name}: ${ended}${said ? `: ${said.slice(0, 160)}` : ''}`);
}
const notRun = pending.length;
if (failed) {
  console.error(`\n${results.filter((r) => r.code !== 0).map((r) => `FAILED: ${r.check.name}`).join('\n')}${notRun ? `\n(${notRun} checks not started)` : ''}`);
  process.exit(1);
}
const reusedCount = results.filter((r) => r.reused).length;
console.log(`\nall ${results.length} checks passed${reusedCount ? ` (${reusedCount} reused: nothing they read had changed)` : ''}`);
