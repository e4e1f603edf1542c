// Flink ignores configuration keys it does not know, so a typo silently does nothing. This
// collects every ConfigOption key that Flink 1.20.0 declares (its jars from Maven Central,
// read by FlinkOptions.java) and checks every key the charts write: each FlinkDeployment's
// flinkConfiguration, the SQL Gateway's dynamic properties and the HistoryServer's config.yaml. Deprecated keys are errors.
// Keys outside Flink's own are allowed only under documented pass-through prefixes: fs.azure.
// (handed to the Azure file system plugin), and the operator's kubernetes.operator.* keys,
// checked against the operator 1.15.0 documentation (pinned/flink/operator-1.15.0-keys.json),
// except kubernetes.operator.metrics.*, which the operator passes on as Flink's metrics.* keys.
// The operator's own flink-conf.yaml (its Application's Helm values) is checked too.
//
//   node test/flink/check.mjs [dist dir]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import { cache, resolveJars } from '../lib/programs.mjs';

const here = dirname(new URL(import.meta.url).pathname);
const root = resolve(here, '..', '..');
const dist = resolve(process.argv[2] ?? join(root, 'dist'));
const operatorKeys = new Set(JSON.parse(readFileSync(join(root, 'pinned', 'flink', 'operator-1.15.0-keys.json'), 'utf8')));

function flinkKeys() {
  for (const tool of ['mvn', 'javac']) {
    if (spawnSync(tool, ['-version'], { stdio: 'ignore' }).error) {
      console.error(`flink key check: ${tool} is missing (apt-get install maven openjdk-17-jdk-headless)`);
      process.exit(1);
    }
  }
  const jars = resolveJars(join(here, 'pom.xml'), join(cache, 'flink', 'options'));
  // Compiled into this run's folder: a shared one lets another worktree's check, compiled at the
  // same time, run in this one's place.
  const classes = mkdtempSync(join(tmpdir(), 'flink-options-'));
  const all = readdirSync(jars).filter((j) => j.endsWith('.jar')).map((j) => join(jars, j));
  try {
    execFileSync('javac', ['--release', '17', '-d', classes, join(here, 'FlinkOptions.java')]);
    const out = execFileSync('java', ['-cp', classes, 'FlinkOptions', ...all], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 << 20 });
    return JSON.parse(out);
  } finally {
    rmSync(classes, { recursive: true, force: true });
  }
}

/** Problems with one key, or none. */
function problem(key, keys) {
  const state = keys[key];
  if (state === 'current') return undefined;
  if (state) return `${key} is ${state}`;
  if (key.startsWith('fs.azure.')) return undefined;
  // The operator hands kubernetes.operator.metrics.* to its own metric registry as metrics.*
  // (operator 1.15.0 OperatorMetricUtils.createMetricConfig), so those are Flink's metrics options.
  if (key.startsWith('kubernetes.operator.metrics.') && !operatorKeys.has(key)) {
    const inner = problem(`metrics.${key.slice('kubernetes.operator.metrics.'.length)}`, keys);
    return inner && `${key} (metrics.* for the operator's metric registry): ${inner}`;
  }
  if (key.startsWith('kubernetes.operator.')) return operatorKeys.has(key) ? undefined : `${key} is not a Flink Kubernetes Operator 1.15.0 setting`;
  // Options declared relative to a prefix (SqlGatewayRestOptions, the file catalog store).
  for (const prefix of ['sql-gateway.endpoint.rest.', 'table.catalog-store.file.']) {
    if (key.startsWith(prefix) && keys[key.slice(prefix.length)] === 'current') return undefined;
  }
  // A metric reporter's options (MetricOptions' factory.class, the reporter plugin's port) are declared relative to metrics.reporter.<name>.
  const reporter = /^metrics\.reporter\.[^.]+\.(.+)$/.exec(key);
  if (reporter && keys[reporter[1]] === 'current') return undefined;
  return `${key} is not a Flink 1.20.0 setting`;
}

function main() {
  const keys = flinkKeys();
  const count = Object.keys(keys).length;
  if (count < 800) {
    console.error(`flink key check: only ${count} keys read from the Flink jars; expected about 1000`);
    process.exit(1);
  }
  let passed = 0;
  let failed = 0;
  const check = (what, entries, problemOf = (k) => problem(k, keys)) => {
    const problems = entries.map(problemOf).filter(Boolean);
    if (problems.length === 0) passed++;
    else failed++;
    console.log(`${problems.length ? 'FAIL' : 'ok  '} ${what} (${entries.length} keys)${problems.map((p) => `\n       ${p}`).join('')}`);
  };
  for (const env of readdirSync(dist).filter((e) => existsSync(join(dist, e, 'flink'))).sort()) {
    const dir = join(dist, env, 'flink');
    for (const file of readdirSync(dir).sort()) {
      const o = YAML.parse(readFileSync(join(dir, file), 'utf8'));
      if (o.kind === 'FlinkDeployment') check(`${env}: FlinkDeployment ${o.metadata.name} flinkConfiguration`, Object.keys(o.spec.flinkConfiguration ?? {}));
      if (o.kind === 'Deployment' && o.metadata.name === 'flink-sql-gateway') {
        const command = o.spec.template.spec.containers[0].command.join(' ');
        check(`${env}: SQL Gateway dynamic properties`, [...command.matchAll(/ -D([^=\s]+)=/g)].map((m) => m[1]));
      }
      if (o.kind === 'ConfigMap' && o.data?.['config.yaml']) check(`${env}: ConfigMap ${o.metadata.name} config.yaml`, Object.keys(YAML.parse(o.data['config.yaml'])));
    }
  }
  // The operator's own configuration, from its Argo CD Application's Helm values. Its metric
  // registry drops plain metrics.* keys (createMetricConfig keeps only the prefixed ones).
  const operatorProblem = (k) => (k.startsWith('metrics.') ? `${k} is ignored by the operator's metric registry: use kubernetes.operator.${k}` : problem(k, keys));
  for (const env of readdirSync(dist).sort()) {
    const file = join(dist, env, 'argocd', `application-${env}-flink-kubernetes-operator.yaml`);
    if (!existsSync(file)) continue;
    const conf = YAML.parse(readFileSync(file, 'utf8')).spec.source.helm.valuesObject.defaultConfiguration?.['flink-conf.yaml'];
    if (conf) check(`${env}: Flink operator flink-conf.yaml`, Object.keys(YAML.parse(conf) ?? {}), operatorProblem);
  }
  // The check can fail: a misspelt key and a deprecated one must both be reported, and a
  // misspelt reporter option of the operator's metric registry or a bare metrics.* key in its configuration too.
  const misspelt = problem('execution.checkpointing.intervall', keys);
  const deprecated = problem('state.checkpoints.dir', keys);
  const operatorReporter = problem('kubernetes.operator.metrics.reporter.prom.prot', keys);
  const bareMetrics = operatorProblem('metrics.reporter.prom.port');
  const caught =
    misspelt?.includes('not a Flink 1.20.0 setting') &&
    deprecated?.includes('deprecated: use execution.checkpointing.dir') &&
    operatorReporter?.includes('not a Flink 1.20.0 setting') &&
    bareMetrics?.includes('ignored by the operator');
  console.log(`${caught ? 'ok  ' : 'FAIL'} a misspelt key, a deprecated key and misplaced operator metrics keys are reported (${count} Flink keys known)`);
  if (caught) passed++;
  else failed++;
  console.log(`flink keys: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 1 ? 0 : 1);
}

main();
