// promtool (Prometheus v0.316.0, built from the Go module proxy by scripts/prometheus-tools.sh)
// checks the alert rule groups synth wrote for each environment (bicep/env/<env>.monitoring.json,
// what Bicep deploys as Azure Monitor Prometheus rule groups) and unit-tests every alert with
// series that fire it and series that keep it quiet. Then it proves the test can fail: the same
// unit tests against rules whose expressions never match must fail for every alert.
//
//   node test/monitoring/promtool.mjs [bicep/env]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { ruleFileFrom } from '../e2e/prometheus.mjs';
import { ALERT_CASES } from './alert-cases.mjs';

const root = resolve(import.meta.dirname, '..', '..');
const envDir = resolve(process.argv[2] ?? join(root, 'bicep', 'env'));
const toolsDir = execFileSync('bash', [join(root, 'scripts', 'prometheus-tools.sh'), 'promtool'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const promtool = join(toolsDir, 'promtool');
let passed = 0;
let failed = 0;
const check = (name, ok, detail = '') => {
  ok ? passed++ : failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `\n${detail}`}`);
};

function unitTests(groups, rulesFile) {
  const rules = groups.flatMap((g) => g.rules);
  const tests = rules.flatMap((r) => {
    const c = ALERT_CASES[r.alert];
    const series = (list) => list.map(([s, values]) => ({ series: s, values }));
    return [
      { name: `${r.alert} fires`, interval: '1m', input_series: series(c.fire), alert_rule_test: [{ eval_time: c.at, alertname: r.alert, exp_alerts: [{ exp_labels: { ...c.labels, ...r.labels } }] }] },
      { name: `${r.alert} stays quiet`, interval: '1m', input_series: series(c.quiet), alert_rule_test: [{ eval_time: c.at, alertname: r.alert, exp_alerts: [] }] },
    ];
  });
  return { rule_files: [rulesFile], evaluation_interval: '1m', tests };
}

const run = (args) => spawnSync(promtool, args, { encoding: 'utf8' });

const files = readdirSync(envDir).filter((f) => f.endsWith('.monitoring.json')).sort();
if (files.length === 0) {
  console.error(`promtool check: no <env>.monitoring.json in ${envDir}`);
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'promtool-'));
try {
  for (const file of files) {
    const env = file.replace('.monitoring.json', '');
    const groups = JSON.parse(readFileSync(join(envDir, file), 'utf8')).azure.ruleGroups;
    const alerts = groups.flatMap((g) => g.rules.map((r) => r.alert));
    const missing = alerts.filter((a) => !ALERT_CASES[a]);
    check(`${env}: every alert has firing and quiet cases (${alerts.length} alerts)`, missing.length === 0, `no case in test/monitoring/alert-cases.mjs for ${missing.join(', ')}`);
    if (missing.length) continue;

    const full = join(work, `${env}.rules.yml`);
    writeFileSync(full, YAML.stringify(ruleFileFrom(groups)));
    const checked = run(['check', 'rules', full]);
    check(`${env}: promtool check rules (expressions, durations, annotation templates)`, checked.status === 0, checked.stdout + checked.stderr);

    const labelsOnly = join(work, `${env}.labels.rules.yml`);
    writeFileSync(labelsOnly, YAML.stringify(ruleFileFrom(groups, { annotations: false })));
    const tests = join(work, `${env}.tests.yml`);
    writeFileSync(tests, YAML.stringify(unitTests(groups, labelsOnly)));
    const tested = run(['test', 'rules', tests]);
    check(`${env}: promtool test rules: each of ${alerts.length} alerts fires on its failure and stays quiet on health`, tested.status === 0, tested.stdout + tested.stderr);

    // The check can fail: rules that never match must fail every "fires" test.
    const never = join(work, `${env}.never.rules.yml`);
    writeFileSync(never, YAML.stringify(ruleFileFrom(groups, { annotations: false, expr: () => 'vector(1) == 2' })));
    const canaryTests = join(work, `${env}.never.tests.yml`);
    writeFileSync(canaryTests, YAML.stringify(unitTests(groups, never)));
    const canary = run(['test', 'rules', canaryTests]);
    const out = canary.stdout + canary.stderr;
    const unreported = alerts.filter((a) => !out.includes(`${a} fires`));
    check(`${env}: the unit tests fail for every alert whose expression never matches`, canary.status !== 0 && unreported.length === 0, `promtool did not fail for: ${unreported.join(', ')}\n${out.slice(0, 2000)}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`promtool: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
