import { describe, expect, it } from 'vitest';
import { BuiltCharts } from '../charts/components';
import { PolarisChart } from '../charts/polaris';
import { TrinoChart } from '../charts/trino';

/** A chart object of `type` registered as `component`, without building one; marked as cdk8s marks every Chart. */
const chartOf = (type: { prototype: object }, component: string) => Object.assign(Object.create(type.prototype), { component, [Symbol.for('cdk8s.Chart')]: true });

describe('BuiltCharts.require', () => {
  it('returns the chart of the component when it has the asked type', () => {
    const built = new BuiltCharts();
    const polaris = chartOf(PolarisChart, 'polaris');
    built.add(polaris);
    expect(built.require('polaris', PolarisChart, 'dev', 'test')).toBe(polaris);
  });

  it('refuses a chart of another type (cdk8s Chart answers instanceof true for every chart class)', () => {
    const built = new BuiltCharts();
    const trino = chartOf(TrinoChart, 'polaris');
    expect(trino instanceof PolarisChart).toBe(true);
    built.add(trino);
    expect(() => built.require('polaris', PolarisChart, 'dev', 'test')).toThrow(/components\.polaris.*must be deployed/);
  });
});
