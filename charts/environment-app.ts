import { App } from 'cdk8s';
import { ArgoCdChart } from './argocd/argocd';
import { BuiltCharts, ComponentDefinition, components, Environment, ProviderFailed } from './components';
import { ConfigErrors } from './lib/errors';
import { AzureOutputs } from './lib/azure-outputs';
import { PlatformChart } from './lib/chart';
import { Platform } from './lib/platform';
import { NamespacesChart } from './platform/namespaces';
import { OperatorBudgetsChart } from './platform/operator-budgets';
import { OperatorMetricsChart } from './platform/operator-metrics';
import { SecretStoreChart } from './platform/secret-store';

export interface EnvironmentAppProps {
  readonly env: Environment;
  readonly envFile: string;
  readonly outputs?: AzureOutputs;
  readonly outputsFile: string;
}

/** The cdk8s App of one environment (one App per environment keeps synth linear). */
export function buildEnvironmentApp(props: EnvironmentAppProps): { app: App; platform: Platform; charts: PlatformChart[] } {
  const app = new App({ outdir: '.build/unused' });
  const platform = new Platform(props);
  const charts: PlatformChart[] = [new NamespacesChart(app, platform), new SecretStoreChart(app, platform)];
  // The operators' PodMonitors need the metrics add-on, which npm run deploy turns on only for an environment with monitoring.
  if (props.env.monitoring) charts.push(new OperatorMetricsChart(app, platform));
  if (props.env.operators.highAvailability) charts.push(new OperatorBudgetsChart(app, platform));
  const built = new BuiltCharts();
  // Every component is built even when one fails, so that one run reports every problem.
  const errors: Error[] = [];
  for (const component of components) {
    const settings = (props.env.components as Record<string, unknown>)[component.name];
    if (settings === undefined) continue;
    try {
      const chart = (component as ComponentDefinition).build(app, platform, settings, built);
      built.add(chart);
      charts.push(chart);
    } catch (e) {
      built.fail(component.name);
      if (!(e instanceof ProviderFailed)) errors.push(...(e instanceof ConfigErrors ? e.errors : [e as Error]));
    }
  }
  errors.push(...platform.problems);
  // Said in the same run: an environment not deployed yet needs npm run deploy after these are fixed.
  const undeployed = platform.undeployedError();
  if (errors.length > 0) throw new ConfigErrors(undeployed ? [...errors, undeployed] : errors);
  const directories = charts.map((c) => ({ component: c.component, syncWave: c.syncWave, namespaces: c.namespaces(), clusterObjects: c.clusterObjects() }));
  charts.push(new ArgoCdChart(app, platform, directories));
  return { app, platform, charts };
}
