// The checks of `npm test` after set-up, one at a time per two cores: vitest and the JVMs each
// keep two cores busy, so on a 2-core machine they run one after another (run together they
// only slowed each other, and a test of a CLI ran into vitest's 30 s hang guard at load 16).
// CHECKS_AT_ONCE overrides it. Checks in one lane run in order: they share a cache they fill on
// a cold machine (Maven's repository, the Trino download, the Prometheus build). One at a time,
// a check's output streams; several at a time, each prints in one piece when it ends. Every
// check prints its time, the slowest come last in a table; the first failure stops new checks
// from starting, and the run fails once the running ones end.
//   node scripts/checks.mjs [--only-typescript] [--list]
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
// The tools ensure-deps installed: the Python checkers in .venv, the npm ones in node_modules.
const env = { ...process.env, PATH: [join(root, '.venv', 'bin'), join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter) };

/** name, lane, command (bash). The order within a lane is the order here. */
const TYPESCRIPT = [
  ['type-check (tsc)', 'typescript', 'tsc -p tsconfig.json'],
  ['unit, contract, schema and snapshot tests (vitest)', 'typescript', 'vitest run'],
];

const REAL_PROGRAMS_AND_SCANNERS = [
  ['Polaris catalog creator, run from dist/ against the Polaris API models (stand-in server)', 'python', '.venv-polaris/bin/python test/polaris/creator_test.py dist'],
  ["Polaris admin tool: the bootstrap Job's arguments through picocli with the 1.7.0 option model, its credentials file and the catalog's flags through the real polaris-core 1.7.0", 'maven', 'node test/polaris/admin/check.mjs dist'],
  [
    "Trino 476 booted once from dist/ (each environment's coordinator and worker): the worker joins and runs the tasks, prod's roles allow and refuse what they mean; each PodMonitor's request is answered and others refused, a real Prometheus v0.316.0 scrapes every node and finds every name the alerts and panels take from Trino; the generated preStop drains each worker, after which dev's TrinoWorkersMissing goes pending; a misspelt key stops Trino (downloads cached in ~/.cache/aks-lakehouse)",
    'trino',
    'node --no-warnings test/trino/check.mjs dist',
  ],
  ['Kafka Connect: the generated worker and sink configuration, validated by Connect 4.3.1 and the Iceberg sink (jars from images/kafka-connect/pom.xml)', 'maven', 'node test/kafka-connect/check.mjs dist'],
  [
    'Flink: the workload identity token provider, its unit tests and the real flink-azure-fs-hadoop 1.20.0 plugin loading it (Maven Surefire)',
    'maven',
    'set -o pipefail; mvn -B --no-transfer-progress -f images/flink/token-provider/pom.xml verify | grep -E "Tests run:|BUILD|ERROR|FAIL"',
  ],
  ['Flink: every configuration key the charts write exists in Flink 1.20.0 (its jars) or the operator 1.15.0, none deprecated', 'maven', 'node test/flink/check.mjs dist'],
  ['Flink: npm run publish-job builds the example job with Maven and uploads it with Entra ID, never over a published version (fake az)', 'maven', 'node test/flink/publish-job.mjs'],
  ['Alerts: promtool v0.316.0 (built from the Go module proxy into ~/.cache/aks-lakehouse) checks every rule group and unit-tests every alert, firing and quiet', 'prometheus', 'node test/monitoring/promtool.mjs bicep/env'],
  ["Metric names: Strimzi 1.2.0's reconciliation counters through the real Micrometer 1.16.6 Prometheus registry carry the names and labels the alerts read", 'maven', 'node test/monitoring/strimzi/check.mjs bicep/env'],
  ['Kubernetes schemas, strict (kubernetes-validate)', 'python', 'python scripts/validate_k8s.py .'],
  ['forbidden strings (S3/AWS residue, placeholders, keys, SAS, connection strings)', 'python', 'node scripts/scan.mjs .'],
  ['yamllint', 'python', 'yamllint --strict -c .yamllint.yaml dist .yamllint.yaml cdk8s.yaml'],
  ['Bicep parses (pycep-parser)', 'python', 'python scripts/parse_bicep.py bicep'],
  ['Bicep against the pinned Azure type index (what bicep build would report)', 'python', 'python scripts/check_bicep_types.py bicep pinned'],
  ['the type check can fail: it must reject the wrong fixture', 'python', 'bash test/fixtures/bicep-types/canary.sh'],
  ['checkov: Kubernetes manifests', 'checkov', 'checkov --config-file .checkov.yaml -d dist --framework kubernetes'],
  ['checkov: Bicep', 'checkov', 'checkov --config-file .checkov.yaml -d bicep --framework bicep'],
  ['checkov can fail: it must reject the insecure fixtures', 'checkov', 'bash test/fixtures/checkov/canary.sh'],
];

const onlyTypescript = process.argv.includes('--only-typescript');
const checks = (onlyTypescript ? TYPESCRIPT : [...TYPESCRIPT, ...REAL_PROGRAMS_AND_SCANNERS]).map(([name, lane, command], index) => ({ name, lane, command, index }));
if (process.argv.includes('--list')) {
  for (const c of checks) console.log(`${c.lane.padEnd(10)} ${c.name}`);
  process.exit(0);
}

const slots = Number(process.env.CHECKS_AT_ONCE) || Math.max(1, Math.floor(availableParallelism() / 2));
const started = Date.now();
const seconds = (ms) => `${Math.round(ms / 1000)}s`;
const pending = [...checks];
const busyLanes = new Set();
const results = [];
let running = 0;
let failed = false;

function run(check, live) {
  return new Promise((done) => {
    const began = Date.now();
    if (live) process.stdout.write(`\n== ${check.name}\n`);
    const child = spawn('bash', ['-c', check.command], { cwd: root, env, stdio: ['ignore', live ? 'inherit' : 'pipe', live ? 'inherit' : 'pipe'] });
    const output = [];
    child.stdout?.on('data', (d) => output.push(d));
    child.stderr?.on('data', (d) => output.push(d));
    child.on('close', (code, signal) => done({ check, code: code ?? 1, signal, ms: Date.now() - began, output: Buffer.concat(output).toString() }));
  });
}

await new Promise((allDone) => {
  const next = () => {
    while (!failed && running < slots) {
      const i = pending.findIndex((c) => !busyLanes.has(c.lane));
      if (i < 0) break;
      const [check] = pending.splice(i, 1);
      busyLanes.add(check.lane);
      running++;
      run(check, slots === 1).then((result) => {
        running--;
        busyLanes.delete(check.lane);
        results.push(result);
        const ok = result.code === 0;
        const printed = slots === 1 ? '' : `\n== ${check.name}\n${result.output}${result.output.endsWith('\n') || !result.output ? '' : '\n'}`;
        process.stdout.write(`${printed}-- ${ok ? 'ok' : `FAILED (exit ${result.code}${result.signal ? `, ${result.signal}` : ''})`} in ${seconds(result.ms)} [${check.lane}]\n`);
        if (!ok) failed = true;
        next();
      });
    }
    if (running === 0) allDone();
  };
  next();
});

console.log(`\n== times (${slots} at a time; wall ${seconds(Date.now() - started)})`);
for (const r of results.sort((a, b) => b.ms - a.ms)) console.log(`${seconds(r.ms).padStart(5)}  ${r.code === 0 ? 'ok    ' : 'FAILED'}  ${r.check.name.slice(0, 110)}`);
const notRun = pending.length;
if (failed) {
  console.error(`\n${results.filter((r) => r.code !== 0).map((r) => `FAILED: ${r.check.name}`).join('\n')}${notRun ? `\n(${notRun} checks not started)` : ''}`);
  process.exit(1);
}
console.log(`\nall ${results.length} checks passed`);
