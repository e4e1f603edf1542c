// npm run bench [-- --runs N] [-- --with-tests]: wall time and peak memory of synth, next
// to the floor (a bare Node process importing cdk8s and cdk8s-plus-28). Medians of N runs.
// Measures only; no thresholds here: read the ratio and keep it near the target (<= 1.5x).
import { spawnSync } from 'node:child_process';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './run-ts.mjs';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] || 7) || 7;
const probe = join(root, 'scripts', 'bench-probe.cjs');

function measure(label, command, commandArgs, env = {}, before = () => {}) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    before();
    const start = process.hrtime.bigint();
    const r = spawnSync(command, commandArgs, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${label} failed:\n${r.stderr}`);
    const rss = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
    samples.push({ ms, rss });
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { label, ms: median(samples.map((s) => s.ms)), rss: median(samples.map((s) => s.rss)) };
}

const node = process.execPath;
const touch = () => {
  const now = new Date();
  utimesSync(join(root, 'main.ts'), now, now);
};
const rows = [
  measure('floor: node importing cdk8s + cdk8s-plus-28', node, ['--require', probe, '-e', "require('cdk8s'); require('cdk8s-plus-28')"]),
  measure('synth, all environments (bundle up to date)', node, ['--require', probe, 'scripts/synth.mjs']),
  measure('synth, all environments, after a source change (bundle rebuilt)', node, ['--require', probe, 'scripts/synth.mjs'], {}, touch),
  measure('scaled model: 10 environments in memory', node, ['--require', probe, 'scripts/run-ts-cli.mjs', 'scripts/bench-scaled.ts', '10']),
];
const floor = rows[0];
console.log(`runs: ${runs} (medians)\n`);
console.log('| what | wall | x floor | peak RSS |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.label} | ${r.ms.toFixed(0)} ms | ${(r.ms / floor.ms).toFixed(2)} | ${r.rss.toFixed(0)} MB |`);

if (args.includes('--with-tests')) {
  const start = process.hrtime.bigint();
  const r = spawnSync('bash', ['scripts/test.sh'], { cwd: root, encoding: 'utf8', env: { ...process.env, SKIP_SCANNERS: '1' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`\ntest command without external scanners (SKIP_SCANNERS=1 npm test): ${(ms / 1000).toFixed(1)} s, exit ${r.status}`);
}
