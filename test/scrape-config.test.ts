// The e2e's translation of generated PodMonitors into Prometheus scrape jobs (test/e2e/prometheus.mjs):
// what it carries, and that it refuses what it would silently drop.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helpers shared with the real-program checks
import { podMonitors, scrapeConfig } from './e2e/prometheus.mjs';
import { root } from './helpers';

const dist = join(root, 'dist');

describe('scrapeConfig', () => {
  const monitors = podMonitors(dist, 'dev');

  it('carries path, scheme, interval and the pod labels of a Connect monitor', () => {
    const [job] = scrapeConfig(monitors, { 'kafka-connect/lakehouse-connect': '127.0.0.1:1234' });
    const endpoint = monitors.get('kafka-connect/lakehouse-connect').spec.podMetricsEndpoints[0];
    expect(job).toMatchObject({ metrics_path: endpoint.path, scheme: endpoint.scheme, scrape_interval: endpoint.interval });
    expect(job.static_configs).toEqual([{ targets: ['127.0.0.1:1234'], labels: { namespace: 'kafka-connect', pod: 'lakehouse-connect-local' } }]);
  });

  it('carries honorLabels, which the operators\' monitors set', () => {
    const key = [...monitors.keys()].find((k) => monitors.get(k).spec.podMetricsEndpoints.some((e: { honorLabels?: boolean }) => e.honorLabels !== undefined));
    expect(key).toBeDefined();
    const jobs = scrapeConfig(monitors, { [key!]: '127.0.0.1:1' });
    expect(jobs.map((j: { honor_labels?: boolean }) => j.honor_labels)).toEqual(monitors.get(key).spec.podMetricsEndpoints.map((e: { honorLabels?: boolean }) => e.honorLabels));
  });

  it('refuses a monitor whose basicAuth and tlsConfig it would drop (Trino\'s)', () => {
    const key = [...monitors.keys()].find((k) => k.startsWith('trino/'));
    expect(key).toBeDefined();
    expect(() => scrapeConfig(monitors, { [key!]: '127.0.0.1:1' })).toThrow(/basicAuth.*not carried into the scrape job/);
  });
});
