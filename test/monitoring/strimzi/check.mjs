// The Strimzi names the alerts and panels read, as the operator's metrics library writes them:
// Strimzi 1.2.0's reconciliation counters (names and tags read from its source at the tag, see
// REGISTERED_AT_TAG in ../metric-sources.mjs) registered in the real Micrometer Prometheus
// registry 1.16.6 from Maven Central, whose scrape must hold every strimzi_* name the rules of
// bicep/env/<env>.monitoring.json use, with the labels the rules group by.
//
//   node test/monitoring/strimzi/check.mjs [bicep/env]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const here = dirname(new URL(import.meta.url).pathname);
const root = resolve(here, '..', '..', '..');
const envDir = resolve(process.argv[2] ?? join(root, 'bicep', 'env'));
const jars = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'aks-lakehouse', 'strimzi-metric-names');

for (const tool of ['mvn', 'java']) {
  if (spawnSync(tool, ['-version'], { stdio: 'ignore' }).error) {
    console.error(`strimzi metric names: ${tool} is missing`);
    process.exit(1);
  }
}
const pom = join(here, 'pom.xml');
const stamp = join(jars, '.pom');
if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== readFileSync(pom, 'utf8')) {
  rmSync(jars, { recursive: true, force: true });
  execFileSync('mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${jars}`], { stdio: 'inherit' });
  writeFileSync(stamp, readFileSync(pom, 'utf8'));
}
const classpath = readdirSync(jars).filter((j) => j.endsWith('.jar')).map((j) => join(jars, j)).join(':');
const scrape = execFileSync('java', ['-cp', classpath, join(here, 'StrimziMetricNames.java')], { encoding: 'utf8' });
/** Sample names with their label names (comment lines skipped). */
const samples = new Map(
  scrape
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?/.exec(l))
    .map((m) => [m[1], [...(m[2] ?? '').matchAll(/(\w+)="/g)].map((x) => x[1])]),
);

let passed = 0;
let failed = 0;
const check = (what, ok, detail = '') => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : `\n       ${detail}`}`);
  if (ok) passed++;
  else failed++;
};
for (const file of readdirSync(envDir).filter((f) => f.endsWith('.monitoring.json')).sort()) {
  const monitoring = JSON.parse(readFileSync(join(envDir, file), 'utf8'));
  const rules = monitoring.azure.ruleGroups.flatMap((g) => g.rules).filter((r) => /\bstrimzi_\w+/.test(r.expression));
  for (const rule of rules) {
    const names = [...rule.expression.matchAll(/\b(strimzi_\w+)/g)].map((m) => m[1]);
    const by = [...rule.expression.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) => m[1].split(',').map((l) => l.trim()));
    const problems = names.flatMap((n) => (samples.has(n) ? by.filter((l) => !samples.get(n).includes(l)).map((l) => `${n} has no label ${l}`) : [`${n} is not in the scrape`]));
    check(`${file}: ${rule.alert} reads ${names.join(', ')} as Micrometer writes it`, problems.length === 0, problems.join('; '));
  }
  check(`${file}: some rule reads a Strimzi metric`, rules.length > 0);
}
// The check can fail: the counter's name as Strimzi's source spells it, without _total, is not a sample.
check('the bare counter name strimzi_reconciliations_failed is refused', !samples.has('strimzi_reconciliations_failed'));
console.log(`strimzi metric names: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
