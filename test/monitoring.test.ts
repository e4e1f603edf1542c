import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNBOOK_PREFIX } from '../charts/monitoring/alerts';
import { deployMonitoring, grafanaName } from '../scripts/azure/monitoring';
import type { AzCall } from '../scripts/azure/round-trip';
// @ts-expect-error plain ESM helpers shared with the real-program checks
import { usedMetricNames } from './e2e/prometheus.mjs';
// @ts-expect-error plain ESM list
import { NOT_RUN_HERE, PROMETHEUS_OWN, REGISTERED_AT_TAG, SCRAPED } from './monitoring/metric-sources.mjs';
import { environments } from '../environments';
import { errorsOf, objects, root, synthOne, synthVariant } from './helpers';

describe('metrics endpoints', () => {
  for (const env of ['dev', 'prod']) {
    it(`${env}: every PodMonitor has a NetworkPolicy that admits only the ama-metrics scraper to its port`, () => {
      const all = objects(synthOne(env));
      const monitors = all.filter((o) => o.kind === 'PodMonitor');
      expect(monitors.map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort()).toEqual(
        [
          'cert-manager/cert-manager',
          'external-secrets/external-secrets',
          'flink-operator/flink-kubernetes-operator',
          'flink/flink-orders',
          'flink/flink-session',
          'kafka-connect/lakehouse-connect',
          'polaris/polaris',
          'strimzi/strimzi-kafka-operator',
          'trino/trino-coordinator',
          'trino/trino-worker',
          'warpstream/warpstream-agent',
          'warpstream/warpstream-agent-cluster-metrics',
          'warpstream/warpstream-schema-registry',
          'warpstream/warpstream-schema-registry-cluster-metrics',
        ].filter(
          (m) => env === 'dev' || all.some((o) => `${o.metadata.namespace}/${o.metadata.name}` === m),
        ),
      );
      for (const m of monitors) {
        expect(m.apiVersion).toBe('azmonitoring.coreos.com/v1');
        const [endpoint] = m.spec.podMetricsEndpoints;
        const policy = all.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === `${m.metadata.name}-metrics` && o.metadata.namespace === m.metadata.namespace)!;
        expect(policy.spec.podSelector).toEqual(m.spec.selector);
        expect(policy.spec.policyTypes).toEqual(['Ingress']);
        expect(policy.spec.ingress).toEqual([
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { rsName: 'ama-metrics' } } }],
            ports: [{ protocol: 'TCP', port: endpoint.portNumber }],
          },
        ]);
      }
    });
  }

  it('an environment without monitoring has no PodMonitor (its cluster has no such kind) and no scraper policy', () => {
    const without = synthVariant('dev', (e) => delete e.monitoring);
    expect(without.errors.map((e) => e.message)).toEqual([]);
    const all = objects(without);
    expect(all.filter((o) => o.kind === 'PodMonitor')).toEqual([]);
    const admitsScraper = (o: any) => (o.spec.ingress ?? []).some((i: any) => (i.from ?? []).some((f: any) => f.podSelector?.matchLabels?.rsName === 'ama-metrics'));
    expect(objects(synthOne('dev')).filter((o) => o.kind === 'NetworkPolicy' && admitsScraper(o)).length).toBeGreaterThan(5);
    expect(all.filter((o) => o.kind === 'NetworkPolicy' && admitsScraper(o))).toEqual([]);
    expect(without.monitoring).toBeUndefined();
    expect(all.filter((o) => ['trino-metrics-user', 'trino-metrics'].includes(o.metadata.name))).toEqual([]);
    // No directory (Argo CD refuses an Application whose path git does not hold) and no Application for it.
    expect(without.files!.filter((f) => f.path.startsWith('operator-metrics/') || f.path.includes('operator-metrics'))).toEqual([]);
  });

  it('Polaris is scraped on its management port at /q/metrics, Flink on the reporter port', () => {
    const all = objects(synthOne('dev'));
    const endpoint = (name: string) => all.find((o) => o.kind === 'PodMonitor' && o.metadata.name === name)!.spec.podMetricsEndpoints[0];
    expect(endpoint('polaris')).toMatchObject({ portNumber: 8182, path: '/q/metrics' });
    expect(endpoint('flink-session')).toMatchObject({ portNumber: 9249, path: '/metrics' });
    const flink = all.find((o) => o.kind === 'FlinkDeployment' && o.metadata.name === 'flink-session')!;
    expect(flink.spec.flinkConfiguration['metrics.reporter.prom.port']).toBe('9249');
  });
});

describe('the Polaris database alert (an Azure Monitor metric alert: the image publishes no pool metrics)', () => {
  it('counts with the pool size the chart writes and the replicas the environment runs, and links its runbook', () => {
    for (const env of ['dev', 'prod']) {
      const result = synthOne(env);
      const [alert] = result.monitoring!.azure.metricAlerts;
      const properties = objects(result).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'polaris')!.data['application.properties'];
      const poolMaxSize = Number(/^quarkus\.datasource\.jdbc\.max-size=(\d+)$/m.exec(properties)![1]);
      const replicas = (environments as any)[env].components.polaris.replicas;
      const usage = (environments as any)[env].monitoring.thresholds?.polarisDbPoolUsage ?? 0.9;
      expect(alert).toMatchObject({ name: 'PolarisDatabasePoolNearlyFull', metricName: 'active_connections', threshold: Math.ceil(replicas * poolMaxSize * usage) });
      expect(result.monitoring!.azure.databaseServerName).toBe(`psql-${(environments as any)[env].azure.namePrefix}`);
      const anchor = alert.description.split('#')[1];
      const headings = [...readFileSync(join(root, 'docs', 'monitoring.md'), 'utf8').matchAll(/^### (.+)$/gm)].map((m) => m[1].toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-'));
      expect(headings).toContain(anchor);
    }
  });

  it('scales with Polaris: three replicas allow more connections before it fires', () => {
    const three = synthVariant('dev', (e) => (e.components.polaris.replicas = 3));
    const one = synthOne('dev');
    expect(three.monitoring!.azure.metricAlerts[0].threshold).toBeGreaterThan(one.monitoring!.azure.metricAlerts[0].threshold);
  });

  it('is left out without Polaris', () => {
    const without = synthVariant('dev', (e) => {
      delete e.components.polaris;
      delete e.components['kafka-connect'];
      delete e.components.trino;
      delete e.components.flink;
    });
    expect(without.errors.map((e) => e.message)).toEqual([]);
    expect(without.monitoring!.azure.metricAlerts).toEqual([]);
    expect(without.monitoring!.azure.databaseServerName).toBe('');
  });
});

describe('alerts', () => {
  const readme = readFileSync(join(root, 'docs', 'monitoring.md'), 'utf8');
  for (const env of ['dev', 'prod']) {
    const monitoring = synthOne(env).monitoring!;

    it(`${env}: every alert has a summary, a severity and a runbook section in docs/monitoring.md`, () => {
      for (const rule of monitoring.azure.ruleGroups.flatMap((g) => g.rules)) {
        expect(rule.annotations.summary.length).toBeGreaterThan(10);
        expect([1, 2]).toContain(rule.severity);
        const heading = decodeURIComponent(rule.annotations.runbook_url.split('#')[1]);
        const headings = [...readme.matchAll(/^### (.+)$/gm)].map((m) => m[1].toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-'));
        expect(headings, `${rule.alert}: docs/monitoring.md has no "### ${RUNBOOK_PREFIX}..." for ${heading}`).toContain(heading);
        expect(readme).toContain(`\`${rule.alert}\``);
      }
    });

    it(`${env}: every metric an alert or a panel reads is scraped here or listed with the reason it cannot be`, () => {
      const scraped = new Set(Object.values(SCRAPED).flatMap((s: any) => s.names));
      const unlisted = [...usedMetricNames(monitoring).keys()].filter((n) => !scraped.has(n) && !(n in NOT_RUN_HERE) && !(n in PROMETHEUS_OWN) && !(n in REGISTERED_AT_TAG));
      expect(unlisted).toEqual([]);
    });
  }

  it('the operators\' metrics are read with labels their pinned release registers, and keep their namespace label', () => {
    const monitoring = synthOne('prod').monitoring!;
    const all = objects(synthOne('prod'));
    const expressions = [
      ...monitoring.azure.ruleGroups.flatMap((g) => g.rules.map((r) => r.expression)),
      ...Object.values(monitoring.dashboards).flatMap((d: any) => (d.panels ?? []).flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr ?? ''))),
    ];
    for (const [name, source] of Object.entries(REGISTERED_AT_TAG) as [string, { labels: string[]; scrapedBy: string }][]) {
      const using = expressions.filter((e) => new RegExp(`\\b${name}\\b`).test(e));
      expect(using.length, `${name} is read by an alert or a panel`).toBeGreaterThan(0);
      for (const expr of using) {
        const matchers = [...expr.matchAll(new RegExp(`${name}\\{([^}]*)\\}`, 'g'))].flatMap((m) => [...m[1].matchAll(/(\w+)\s*[=!~]/g)].map((l) => l[1]));
        const grouped = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1].split(',').map((l: string) => l.trim()));
        expect([...matchers, ...grouped].filter((l) => !source.labels.includes(l)), `${name} in ${expr}`).toEqual([]);
      }
      const [namespace, monitorName] = source.scrapedBy.split('/');
      const monitor = all.find((o) => o.kind === 'PodMonitor' && o.metadata.namespace === namespace && o.metadata.name === monitorName)!;
      expect(monitor, source.scrapedBy).toBeDefined();
      if (source.labels.includes('namespace')) expect(monitor.spec.podMetricsEndpoints[0].honorLabels, `${source.scrapedBy} honours ${name}'s namespace`).toBe(true);
    }
  });

  it('thresholds come from the environment', () => {
    const result = synthVariant('dev', (env) => {
      env.monitoring.thresholds = { trinoFailedQueryRatio: 0.25 };
      env.components.trino.workers.replicas = 3;
    });
    const rules = result.monitoring!.azure.ruleGroups.flatMap((g) => g.rules);
    expect(rules.find((r) => r.alert === 'TrinoFailedQueryRatio')!.expression).toMatch(/> 0\.25$/);
    expect(rules.find((r) => r.alert === 'TrinoWorkersMissing')!.expression).toMatch(/< 4$/);
  });

  it('fails with the file and key when nobody would receive the alerts', () => {
    const result = synthVariant('dev', (env) => {
      env.monitoring.actionGroup.emails = [];
    });
    expect(errorsOf(result).join('\n')).toContain('environments/dev.ts: monitoring.actionGroup.emails');
  });

  it('an environment without monitoring has no rule groups, and Bicep gets no monitoring parameter', () => {
    const result = synthVariant('dev', (env) => {
      delete env.monitoring;
    });
    expect(result.monitoring).toBeUndefined();
    expect(result.bicepParams).not.toContain('param monitoring');
    expect(synthOne('dev').bicepParams).toContain("param monitoring = loadJsonContent('dev.monitoring.json', '$.azure')");
  });
});

describe('dashboards', () => {
  it('one per deployed component and an overview, from the typed builder', () => {
    const { dashboards } = synthOne('dev').monitoring!;
    expect(Object.keys(dashboards).sort()).toEqual(['flink', 'kafka-connect', 'overview', 'platform', 'polaris', 'trino', 'warpstream'].map((c) => `lakehouse-dev-${c}`));
    const overview = dashboards['lakehouse-dev-overview'] as any;
    expect(overview.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
    expect(overview.panels.filter((p: any) => p.type === 'stat')).toHaveLength(synthOne('dev').monitoring!.azure.ruleGroups.flatMap((g) => g.rules).length);
  });
});

describe('npm run deploy: monitoring step', () => {
  const fakeAz = (metricsEnabled: string) => {
    const calls: string[][] = [];
    const az = (args: string[]): AzCall => {
      calls.push(args);
      return { status: 0, stdout: args[1] === 'show' ? `${metricsEnabled}\n` : '', stderr: '', missing: false };
    };
    return { az, calls };
  };
  const env = { ...(environments.dev as any), monitoring: { actionGroup: { shortName: 'x', emails: ['a@b.c'] }, grafanaAdmins: [], evaluationMinutes: 1, thresholds: {} } };

  it('connects the cluster once and imports every dashboard by uid', () => {
    const first = fakeAz('false');
    deployMonitoring({ root, env, az: first.az, log: () => {} });
    const update = first.calls.find((c) => c[1] === 'update')!;
    expect(update).toEqual(expect.arrayContaining(['--enable-azure-monitor-metrics', '--azure-monitor-workspace-resource-id']));
    expect(update[update.indexOf('--azure-monitor-workspace-resource-id') + 1]).toMatch(/\/providers\/Microsoft\.Monitor\/accounts\/amw-lakehouse-dev$/);
    expect(first.calls.filter((c) => c[0] === 'grafana').map((c) => c[c.indexOf('--name') + 1])).toEqual(Array(7).fill(grafanaName('lakehouse-dev')));

    const second = fakeAz('true');
    deployMonitoring({ root, env, az: second.az, log: () => {} });
    expect(second.calls.some((c) => c[1] === 'update')).toBe(false);
  });

  it('names Grafana as the Bicep module does: at most 23 characters, no hyphen from the prefix', () => {
    expect(grafanaName('lakehouse-dev')).toBe('amg-lakehousedev');
    expect(grafanaName('a-very-long-name-prefix-for-prod-01').length).toBeLessThanOrEqual(23);
    const bicep = readFileSync(join(root, 'bicep', 'modules', 'monitoring.bicep'), 'utf8');
    expect(bicep).toContain("var grafanaName = 'amg-${take(replace(namePrefix, '-', ''), 19)}'");
  });
});
