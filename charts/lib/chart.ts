import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { Platform } from './platform';

export const PART_OF = 'aks-lakehouse';

/** Names the lake location a workload reads or writes when its configuration names none itself. */
export const LAKE_LOCATION_ANNOTATION = 'aks-lakehouse/lake-location';

/** Kubernetes recommended labels (kubernetes.io/docs/concepts/overview/working-with-objects/common-labels). */
export function recommendedLabels(name: string, component: string, version?: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': PART_OF,
    ...(version ? { 'app.kubernetes.io/version': version.slice(0, 63) } : {}),
  };
}

/**
 * Orders cluster-scoped objects by group, kind and name, by UTF-16 code unit: the same on every
 * machine (`localeCompare` follows the default locale, and its first call costs a synth ~15 ms
 * to set up ICU's collation).
 */
export function byGroupKindName(a: { group: string; kind: string; name: string }, b: { group: string; kind: string; name: string }): number {
  const x = `${a.group}/${a.kind}/${a.name}`;
  const y = `${b.group}/${b.kind}/${b.name}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The selector subset of the recommended labels: stable across version changes. */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
}

export interface PlatformChartProps {
  /** Argo CD sync wave of the Application that syncs this chart's directory. */
  readonly syncWave: number;
  /** The component this chart renders; also its directory under `dist/<env>/`. */
  readonly component: string;
}

/**
 * A chart for one directory of `dist/<env>/`. Names carry no hash: Bicep, Argo CD and
 * other objects refer to them. Every object gets the part-of and managed-by labels.
 */
export class PlatformChart extends Chart {
  readonly component: string;
  private wave: number;
  /** The charts whose typed handles this chart uses: the data flows between components. */
  readonly providers: PlatformChart[] = [];

  constructor(
    scope: Construct,
    readonly platform: Platform,
    props: PlatformChartProps,
  ) {
    super(scope, props.component, {
      disableResourceNameHashes: true,
      labels: {
        'app.kubernetes.io/part-of': PART_OF,
        'app.kubernetes.io/managed-by': 'cdk8s',
        'aks-lakehouse/environment': platform.env.name,
      },
    });
    this.component = props.component;
    this.wave = props.syncWave;
  }

  /** Argo CD sync wave of this chart's Application: after every chart it asked for a handle. */
  get syncWave(): number {
    return this.wave;
  }

  /**
   * Sync after `providers`: what they make on their first sync (their hooks included, such as the
   * catalog credentials Polaris's PostSync creator writes) must exist before this chart's pods start.
   */
  syncAfter(...providers: PlatformChart[]): void {
    for (const p of providers) if (!this.providers.includes(p)) this.providers.push(p);
    this.wave = Math.max(this.wave, ...providers.map((p) => p.syncWave + 1));
  }

  /** Cluster-scoped objects of this chart (group, kind, name), sorted: the Argo CD project allows exactly these. */
  clusterObjects(): { group: string; kind: string; name: string }[] {
    return this.node
      .findAll()
      .filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === this && !c.metadata.namespace)
      .map((o) => ({ group: o.apiGroup === 'core' ? '' : o.apiGroup, kind: o.kind, name: o.name }))
      .sort(byGroupKindName);
  }

  /** Namespaces this chart deploys into or creates, sorted. */
  namespaces(): string[] {
    const found = new Set<string>();
    for (const child of this.node.findAll()) {
      if (!(child instanceof ApiObject) || Chart.of(child) !== this) continue;
      if (child.kind === 'Namespace') found.add(child.name);
      else if (child.metadata.namespace) found.add(child.metadata.namespace);
    }
    return [...found].sort();
  }
}
