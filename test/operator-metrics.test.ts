import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helmOperators } from '../charts/argocd/operators';
import { FLINK_OPERATOR_WEBHOOK_PORT } from '../charts/platform/operator-metrics';
// @ts-expect-error plain ESM helper shared with the import script
import { pinnedDir } from '../scripts/pinned.mjs';
import { envNames, find, objects, synthOne } from './helpers';

/**
 * Each operator's PodMonitor must select the pods and port that its chart's deployment template
 * renders for our release name and values. The templates are pinned from each chart's tag
 * (pinned/manifest.json); this reads the pod template's labels and the container ports with the
 * few Helm constructs these templates use for them, and fails on anything it cannot resolve.
 */
const templates: Record<string, { deployment: string; helpers?: string }> = {
  'cert-manager': { deployment: 'helm/cert-manager/templates/deployment.yaml', helpers: 'helm/cert-manager/templates/_helpers.tpl' },
  'external-secrets': { deployment: 'helm/external-secrets/templates/deployment.yaml', helpers: 'helm/external-secrets/templates/_helpers.tpl' },
  'flink-kubernetes-operator': {
    deployment: 'helm/flink-kubernetes-operator/templates/controller/deployment.yaml',
    helpers: 'helm/flink-kubernetes-operator/templates/_helpers.tpl',
  },
  'strimzi-kafka-operator': { deployment: 'helm/strimzi-kafka-operator/templates/060-Deployment-strimzi-cluster-operator.yaml' },
};

const read = (file: string) => readFileSync(join(pinnedDir, file), 'utf8');

/** The body of each `{{ define "name" }}`, matched to its own `end` across nested blocks. */
function defines(helpers: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const start of helpers.matchAll(/\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}/g)) {
    const tags = /\{\{-?\s*(if|with|range|define|end)\b[^}]*\}\}/g;
    tags.lastIndex = start.index! + start[0].length;
    let depth = 1;
    for (let tag = tags.exec(helpers); tag; tag = tags.exec(helpers)) {
      depth += tag[1] === 'end' ? -1 : 1;
      if (depth === 0) {
        found.set(start[1], helpers.slice(start.index! + start[0].length, tag.index));
        break;
      }
    }
  }
  return found;
}

interface Release {
  readonly chartName: string;
  readonly releaseName: string;
  readonly values: Record<string, unknown>;
  readonly helpers: Map<string, string>;
}

const valueAt = (values: unknown, path: string) => path.split('.').reduce<any>((v, k) => v?.[k], values);

/** A scalar of the template: a literal, `.Release.Name`, `.Values.x.y`, or the chart's `<chart>.name` helper. */
function scalar(text: string, release: Release): string {
  const expr = /^\{\{\s*(.+?)\s*\}\}$/.exec(text.trim())?.[1];
  if (expr === undefined) return text.trim().replace(/^"(.*)"$/, '$1');
  if (expr === '.Release.Name') return release.releaseName;
  const values = /^\.Values\.([\w.]+)$/.exec(expr);
  if (values) return String(valueAt(release.values, values[1]));
  const helper = /^(?:template|include)\s+"([^"]+)"\s+\.$/.exec(expr);
  // `<chart>.name` is `default .Chart.Name .Values.nameOverride`: the chart name, as we set no nameOverride.
  if (helper && helper[1].endsWith('.name') && /default \.Chart\.Name \.Values\.nameOverride/.test(release.helpers.get(helper[1]) ?? '')) return release.chartName;
  throw new Error(`cannot resolve ${text.trim()}`);
}

/** `key: value` lines, with `include "x" .` (and `| nindent n`) expanded; value-driven blocks (podLabels and the like) are skipped. */
function labelLines(lines: string[], release: Release): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const line of lines) {
    const include = /^\s*\{\{-?\s*include\s+"([^"]+)"\s+\.\s*(?:\|\s*nindent\s+\d+\s*)?\}\}\s*$/.exec(line);
    if (include) {
      const body = release.helpers.get(include[1]);
      if (body === undefined) throw new Error(`no define ${include[1]}`);
      Object.assign(labels, labelLines(body.split('\n'), release));
      continue;
    }
    if (/^\s*\{\{-?\s*(if|with|end|else|toYaml|range)\b/.test(line) || /^\s*\{\{\s*toYaml/.test(line) || line.trim() === '') continue;
    const pair = /^\s*([\w./-]+):\s*(.+)$/.exec(line);
    if (!pair) throw new Error(`cannot read label line: ${line}`);
    try {
      labels[pair[1]] = scalar(pair[2], release);
    } catch {
      labels[pair[1]] = '<not resolved here>';
    }
  }
  return labels;
}

/** The labels of the Deployment's pod template (`template:` → `metadata:` → `labels:`). */
function podLabels(deployment: string, release: Release): Record<string, string> {
  const lines = deployment.split('\n');
  const template = lines.findIndex((l) => /^\s{2}template:\s*$/.test(l));
  const start = lines.findIndex((l, i) => i > template && /^\s+labels:\s*$/.test(l));
  const indent = lines[start].search(/\S/);
  const end = lines.findIndex((l, i) => i > start && l.trim() !== '' && !l.trim().startsWith('{{') && l.search(/\S/) <= indent);
  return labelLines(lines.slice(start + 1, end), release);
}

/** Every `containerPort:` of the template with the `name:` next to it, resolved against our values. */
function containerPorts(deployment: string, release: Release): { port: number; name: string }[] {
  const lines = deployment.split('\n');
  return lines.flatMap((line, i) => {
    const port = /^\s*-?\s*containerPort:\s*(.+)$/.exec(line);
    if (!port) return [];
    const name = lines.slice(i - 1, i + 3).map((l) => /^\s*-?\s*name:\s*(\S+)\s*$/.exec(l)?.[1]).find(Boolean);
    return [{ port: Number(scalar(port[1], release)), name: name ?? '' }];
  });
}

describe.each(envNames)('%s: operator metrics are scraped where the pinned charts serve them', (env) => {
  const all = objects(synthOne(env));
  it.each(helmOperators.map((o) => [o.name]))('%s', (name) => {
    const op = helmOperators.find((o) => o.name === name)!;
    const values = find(synthOne(env), 'Application', `${env}-${name}`).spec.source.helm.valuesObject;
    expect(values.nameOverride).toBeUndefined();
    const files = templates[name];
    const release: Release = { chartName: op.chart ?? name, releaseName: name, values, helpers: files.helpers ? defines(read(files.helpers)) : new Map() };
    const deployment = read(files.deployment);
    const monitor = all.find((o) => o.kind === 'PodMonitor' && o.metadata.name === name && o.metadata.namespace === op.namespace)!;
    expect(monitor, `PodMonitor ${op.namespace}/${name}`).toBeDefined();
    const labels = podLabels(deployment, release);
    for (const [key, value] of Object.entries(monitor.spec.selector.matchLabels)) expect(labels[key], `pod label ${key}`).toBe(value);
    const [endpoint] = monitor.spec.podMetricsEndpoints;
    expect(containerPorts(deployment, release).map((p) => p.port)).toContain(endpoint.portNumber);
  });

  it('syncs after the operator Applications that create its namespaces, in the project that allows them', () => {
    const wave = (app: string) => Number(find(synthOne(env), 'Application', `${env}-${app}`).metadata.annotations['argocd.argoproj.io/sync-wave']);
    for (const op of helmOperators) expect(wave('operator-metrics')).toBeGreaterThan(wave(op.name));
    const project = find(synthOne(env), 'AppProject', `${env}-lakehouse`);
    expect(find(synthOne(env), 'Application', `${env}-operator-metrics`).spec.project).toBe(`${env}-lakehouse`);
    for (const op of helmOperators) expect(project.spec.destinations.map((d: any) => d.namespace)).toContain(op.namespace);
  });

  it('the charts render no monitoring.coreos.com monitors of their own', () => {
    const values = (name: string) => find(synthOne(env), 'Application', `${env}-${name}`).spec.source.helm.valuesObject;
    expect(values('cert-manager').prometheus).toEqual({ enabled: true, servicemonitor: { enabled: false }, podmonitor: { enabled: false } });
    expect(values('external-secrets').serviceMonitor).toEqual({ enabled: false });
  });

  it('the Flink operator reporter listens on the port the chart opens', () => {
    const values = find(synthOne(env), 'Application', `${env}-flink-kubernetes-operator`).spec.source.helm.valuesObject;
    const conf = values.defaultConfiguration['flink-conf.yaml'];
    expect(conf).toContain('kubernetes.operator.metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory');
    expect(conf).toContain(`kubernetes.operator.metrics.reporter.prom.port: ${values.metrics.port}`);
  });

  it('the Flink operator pod still admits the API server to its webhook', () => {
    const deployment = read(templates['flink-kubernetes-operator'].deployment);
    expect(deployment).toMatch(new RegExp(`name: WEBHOOK_SERVER_PORT\\s+value: "${FLINK_OPERATOR_WEBHOOK_PORT}"`));
    const policy = all.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'flink-kubernetes-operator-webhook')!;
    expect(policy.spec.podSelector.matchLabels).toEqual(find(synthOne(env), 'PodMonitor', 'flink-kubernetes-operator').spec.selector.matchLabels);
    expect(policy.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: FLINK_OPERATOR_WEBHOOK_PORT }] }]);
  });
});

describe('the template reader', () => {
  const release: Release = { chartName: 'cert-manager', releaseName: 'cert-manager', values: {}, helpers: defines(read(templates['cert-manager'].helpers!)) };
  it('reads the controller pod labels and the metrics port of cert-manager', () => {
    const deployment = read(templates['cert-manager'].deployment);
    expect(podLabels(deployment, release)).toMatchObject({ 'app.kubernetes.io/name': 'cert-manager', 'app.kubernetes.io/component': 'controller', 'app.kubernetes.io/instance': 'cert-manager' });
    expect(containerPorts(deployment, release)).toContainEqual({ port: 9402, name: 'http-metrics' });
  });
  it('would refuse another release name or port', () => {
    const other = { ...release, releaseName: 'cm' };
    expect(podLabels(read(templates['cert-manager'].deployment), other)['app.kubernetes.io/instance']).toBe('cm');
    expect(containerPorts(read(templates['cert-manager'].deployment), release).map((p) => p.port)).not.toContain(9403 + 1);
  });
});
