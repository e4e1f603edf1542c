// npm run bench [-- --runs N] [-- --with-tests]: wall time and peak memory of synth, next
// to the floor (a bare Node process importing cdk8s and cdk8s-plus-28). Medians of N runs.
// Synth is measured as `npm run synth` runs it (scripts/synth.sh, without npm's own start-up
// and the dependency check). Measures only; no thresholds here: read the ratio and keep it
// near the target (<= 1.5x).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { root } from './run-ts.mjs';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] || 7) || 7;
const probe = join(root, 'scripts', 'bench-probe.cjs');

// Every node process reports its peak RSS (synth's may run in two); NODE_OPTIONS reaches them all.
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${probe}`.trim() };

/**
 * CPU time (user + system) of the finished children and their waited-for descendants, from
 * Linux's /proc/self/stat (cutime, cstime; in USER_HZ, 100 per second). Less moved by other
 * work on the machine than wall time; NaN elsewhere.
 */
function childrenCpuMs() {
  if (!existsSync('/proc/self/stat')) return NaN;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

function measure(label, command, commandArgs, before = () => {}) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    before();
    const cpuBefore = childrenCpuMs();
    const start = process.hrtime.bigint();
    const r = spawnSync(command, commandArgs, { cwd: root, encoding: 'utf8', env });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const cpu = childrenCpuMs() - cpuBefore;
    if (r.status !== 0) throw new Error(`${label} failed:\n${r.stderr}`);
    const rss = Math.max(...[...r.stderr.matchAll(/BENCH_MAX_RSS_KB=(\d+)/g)].map((m) => Number(m[1]))) / 1024;
    samples.push({ ms, cpu, rss });
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { label, ms: median(samples.map((s) => s.ms)), cpu: median(samples.map((s) => s.cpu)), rss: median(samples.map((s) => s.rss)) };
}

const node = process.execPath;
const touch = () => {
  const now = new Date();
  utimesSync(join(root, 'main.ts'), now, now);
};
// The run after a rebuild builds the startup snapshot (scripts/snapshot.mjs): a source change and one unmeasured run first.
const rebuildFirst = () => {
  touch();
  spawnSync('bash', ['scripts/synth.sh'], { cwd: root, env });
};
// Unmeasured: brings the bundle and its startup snapshot up to date (for NODE_OPTIONS above).
const upToDate = (options) => {
  for (let i = 0; i < 2; i++) spawnSync(node, ['scripts/synth.mjs'], { cwd: root, env: options });
};
upToDate(env);
const rows = [
  measure('floor: node importing cdk8s + cdk8s-plus-28', node, ['-e', "require('cdk8s'); require('cdk8s-plus-28')"]),
  measure('synth, all environments, bundle up to date (node starts from the startup snapshot)', 'bash', ['scripts/synth.sh']),
  measure('the same through `node scripts/synth.mjs` (cdk8s synth, the tests): a second node', node, ['scripts/synth.mjs']),
  measure('synth after a source change (bundle rebuilt, runs as it is)', 'bash', ['scripts/synth.sh'], touch),
  measure('the run after that (builds the startup snapshot, runs from it)', 'bash', ['scripts/synth.sh'], rebuildFirst),
  measure('scaled model: 10 environments in memory', node, ['scripts/run-ts-cli.mjs', 'scripts/bench-scaled.ts', '10']),
];
// Leaves a snapshot for the shell's own NODE_OPTIONS, as a synth would.
upToDate(process.env);
const floor = rows[0];
console.log(`runs: ${runs} (medians), load average ${loadavg()[0].toFixed(1)} at the end\n`);
console.log('| what | wall | x floor | CPU | x floor | peak RSS |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.label} | ${r.ms.toFixed(0)} ms | ${(r.ms / floor.ms).toFixed(2)} | ${r.cpu.toFixed(0)} ms | ${(r.cpu / floor.cpu).toFixed(2)} | ${r.rss.toFixed(0)} MB |`);

if (args.includes('--with-tests')) {
  const start = process.hrtime.bigint();
  const r = spawnSync('bash', ['scripts/test.sh'], { cwd: root, encoding: 'utf8', env: { ...process.env, SKIP_SCANNERS: '1' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`\ntest command without external scanners (SKIP_SCANNERS=1 npm test): ${(ms / 1000).toFixed(1)} s, exit ${r.status}`);
}
