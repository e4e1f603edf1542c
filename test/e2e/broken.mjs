// The end-to-end test can fail, and where it should (npm run e2e:broken): each deliberate mistake
// of BREAKS in rewrites.mjs is run through test/e2e/run.mjs, which must fail at the stage the
// mistake belongs to, with the mistake's own words in its message.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FLINK_BREAKS } from './flink-rewrites.mjs';
import { BREAKS as CONNECT_BREAKS } from './rewrites.mjs';

const BREAKS = { ...CONNECT_BREAKS, ...FLINK_BREAKS };

/** What each mistake must make the run say: the failing stage and a line from the program that caught it. */
const EXPECTED = {
  'table-route': [/FAILED at stage "commit batch 1"/, /the sink wrote raw\.event, but environments\/\w+\.ts routes the topic to raw\.events/],
  'sink-catalog-key': [/FAILED at stage "connector task"/, /Cannot initialize Catalog implementation org\.apache\.iceberg\.hive\.HiveCatalog/],
  'dead-letter-off': [/FAILED at stage "connector task"/, /Tolerance exceeded in error handler/],
  'secret-role': [/FAILED at stage "connector task"/, /Failed to retrieve Secret kafka-connect-polaris from Kubernetes namespace kafka-connect/],
  'metrics-port': [/FAILED at stage "worker"/, /Prometheus cannot scrape kafka-connect: podMonitor\/kafka-connect\/lakehouse-connect\/0 http:\/\/127\.0\.0\.1:9405\/metrics: .*connection refused/],
  'trino-catalog-key': [/FAILED at stage "trino"/, /Configuration property 'iceberg\.rest-catalog\.warehous' was not used/],
  'flink-catalog-key': [/FAILED at stage "flink sql"/, /Cannot initialize Catalog implementation org\.apache\.iceberg\.hive\.HiveCatalog/],
  'flink-missing-jar': [/FAILED at stage "flink sql"/, /Could not find any factory for identifier 'kafka'/],
  'flink-no-hadoop': [/FAILED at stage "flink sql"/, /NoClassDefFoundError: org\/apache\/hadoop\/conf\/Configuration/],
  'flink-app-no-savepoint': [/FAILED at stage "app commit after restart"/, /holds \d+ orders, more than the 8 produced: duplicates/],
  'flink-no-checkpoints': [/FAILED at stage "flink commit"/, /the INSERT job \w+ runs without periodic checkpoints \(Flink: checkpoint interval Long\.MAX_VALUE ms\)/],
};

/** Runs one mistake through run.mjs; resolves with its report line (and the output's end when it did not fail as it should). */
async function runBreak(name) {
  const began = Date.now();
  // Each mistake runs only the part it belongs to: Connect, Flink's session cluster, or Flink's application.
  const at = BREAKS[name].stage;
  const only = !(name in FLINK_BREAKS) ? 'connect' : at.startsWith('app ') ? 'flink-app' : 'flink';
  // Trino, the run's largest CPU cost, starts only for a mistake whose stage comes at or after the
  // part's first Trino query (run.mjs: "trino", "flink trino", "app trino"). A run that reaches a
  // query without it fails saying so.
  const trino = ['trino', 'flink trino', 'app trino'].includes(at) ? [] : ['--without', 'trino'];
  const args = [join(import.meta.dirname, 'run.mjs'), '--break', name, '--only', only, ...trino, ...process.argv.slice(2)];
  const run = await promisify(execFile)(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).then(
    (r) => ({ ...r, code: 0 }),
    (e) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code }),
  );
  const output = `${run.stdout}\n${run.stderr}`;
  const missing = (EXPECTED[name] ?? [/no expectation written for this break/]).filter((pattern) => !pattern.test(output));
  const ok = run.code === 1 && missing.length === 0;
  const stage = /FAILED at stage "([^"]+)"/.exec(output)?.[1] ?? 'none';
  const line = `${ok ? 'ok  ' : 'FAIL'} ${name} (${BREAKS[name].what}): failed at "${stage}" in ${((Date.now() - began) / 1000).toFixed(1)} s`;
  return { ok, report: ok ? line : `${line}\n  exit ${run.code}; missing: ${missing.map(String).join(', ')}\n${output.split('\n').slice(-25).join('\n')}` };
}

// E2E_BROKEN_AT_ONCE runs that many mistakes side by side; by default two, one on a 1-core
// machine. A run waits much of its time (a commit interval, a worker's start), so on 2 idle
// cores two at once took 240 s where one at a time took about 300 s in .ci/run (docs/testing.md,
// Performance). Each run's programs hold a few GB: more at once is for machines with the memory.
const atOnce = Math.max(1, Math.min(Number(process.env.E2E_BROKEN_AT_ONCE ?? 2) || 2, availableParallelism()));
// Longest first (as measured in a cold .ci/run, docs/testing.md), so that the runs side by side
// end together; a mistake not listed goes last. The order changes no run's outcome.
const LONGEST_FIRST = ['flink-app-no-savepoint', 'dead-letter-off', 'flink-no-checkpoints', 'flink-missing-jar', 'flink-no-hadoop', 'flink-catalog-key', 'trino-catalog-key', 'table-route', 'secret-role', 'sink-catalog-key', 'metrics-port'];
const rank = (name) => (LONGEST_FIRST.includes(name) ? LONGEST_FIRST.indexOf(name) : LONGEST_FIRST.length);
const queue = Object.keys(BREAKS).sort((a, b) => rank(a) - rank(b));
let failures = 0;
await Promise.all(
  Array.from({ length: atOnce }, async () => {
    while (queue.length) {
      const { ok, report } = await runBreak(queue.shift());
      console.log(report);
      if (!ok) failures++;
    }
  }),
);
process.exit(failures === 0 ? 0 : 1);
