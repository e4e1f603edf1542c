import { App } from 'cdk8s';
import * as z from 'zod/mini';
import { PlatformChart } from './lib/chart';
import { ConfigError } from './lib/errors';
import { baseEnvironmentShape } from './lib/environment';
import type { Platform } from './lib/platform';
import { FlinkChart } from './flink';
import { flinkSettings } from './flink/settings';
import { KafkaConnectChart } from './kafka-connect';
import { kafkaConnectSettings } from './kafka-connect/settings';
import { PolarisChart } from './polaris';
import { polarisSettings } from './polaris/settings';
import { TrinoChart } from './trino';
import { trinoSettings } from './trino/settings';
import { WarpstreamChart } from './warpstream';
import { warpstreamSettings } from './warpstream/settings';

/**
 * A platform component: its settings schema (under `components.<name>` of an
 * environment) and how to build its chart. A component is deployed in an environment
 * when the environment has settings for it.
 */
export interface ComponentDefinition<S extends z.ZodMiniType = z.ZodMiniType> {
  readonly name: string;
  readonly settings: S;
  /** Builds the chart; `built` holds the charts of the components listed before this one. */
  build(app: App, platform: Platform, settings: z.output<S>, built: BuiltCharts): PlatformChart;
}

/** Thrown by `require` for a component whose own build failed: its errors are reported already. */
export class ProviderFailed extends Error {}

/** The charts built so far, by component name: how a chart asks another for its handle. */
export class BuiltCharts {
  private readonly charts = new Map<string, PlatformChart>();
  private readonly failed = new Set<string>();
  /** The charts the chart being built asked for: it syncs after them. */
  private required: PlatformChart[] = [];

  /** `component` did not build; charts that ask for it are skipped, not blamed. */
  fail(component: string): void {
    this.failed.add(component);
    this.required = [];
  }

  add(chart: PlatformChart): void {
    chart.syncAfter(...this.required);
    this.required = [];
    this.charts.set(chart.component, chart);
  }

  /** The chart of `component`, or the error that names the setting to add. */
  require<T extends PlatformChart>(component: string, type: abstract new (...args: any[]) => T, envName: string, because: string): T {
    if (this.failed.has(component)) throw new ProviderFailed(component);
    const chart = this.charts.get(component);
    // Not `instanceof`: cdk8s Chart defines Symbol.hasInstance, so every chart passes it for every chart class.
    if (!chart || !Object.prototype.isPrototypeOf.call(type.prototype, chart)) {
      throw new ConfigError(`environments/${envName}.ts`, `components.${component}`, undefined, `must be deployed: ${because}`);
    }
    this.required.push(chart);
    return chart as T;
  }
}

export function defineComponent<S extends z.ZodMiniType>(definition: ComponentDefinition<S>): ComponentDefinition<S> {
  return definition;
}

/** Every component the platform knows. Add a component here (see README, "Adding a component"). */
export const components = [
  defineComponent({
    name: 'warpstream',
    settings: warpstreamSettings,
    build: (app, platform, settings) => new WarpstreamChart(app, platform, settings),
  }),
  defineComponent({
    name: 'polaris',
    settings: polarisSettings,
    build: (app, platform, settings) => new PolarisChart(app, platform, settings),
  }),
  defineComponent({
    name: 'kafka-connect',
    settings: kafkaConnectSettings,
    build: (app, platform, settings, built) => new KafkaConnectChart(app, platform, settings, built),
  }),
  defineComponent({
    name: 'flink',
    settings: flinkSettings,
    build: (app, platform, settings, built) => new FlinkChart(app, platform, settings, built),
  }),
  defineComponent({
    name: 'trino',
    settings: trinoSettings,
    build: (app, platform, settings, built) => new TrinoChart(app, platform, settings, built),
  }),
] as const satisfies readonly ComponentDefinition[];

const componentSettings = Object.fromEntries(components.map((c: ComponentDefinition) => [c.name, z.optional(c.settings)]));

/** A complete environment: the base settings plus the settings of each deployed component. */
export const environmentSchema = z.strictObject({
  ...baseEnvironmentShape,
  components: z.strictObject(componentSettings),
});

export type EnvironmentInput = z.input<typeof environmentSchema>;
export type Environment = z.output<typeof environmentSchema>;

export { defineEnvironment } from './define-environment';
