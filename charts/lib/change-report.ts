import YAML from 'yaml';
import type { RenderedFile } from './render';

/** One object of dist/<env>/ that a synth adds, changes or removes, and what syncing it does. */
export interface Change {
  readonly path: string;
  readonly kind: 'added' | 'changed' | 'removed';
  /** The fields that differ (changed objects), most specific first, at most a few. */
  readonly fields: readonly string[];
  /** What Argo CD syncing it will do to the running platform. */
  readonly effect: string;
}

/**
 * What a synth changes in `dist/<env>/` compared with `previous` (path -> YAML text), so a
 * reviewer reads the consequences in the pull request before anyone syncs.
 */
export function changesOf(previous: ReadonlyMap<string, string>, files: readonly RenderedFile[]): Change[] {
  const changes: Change[] = [];
  const now = new Set(files.map((f) => f.path));
  for (const file of files) {
    const before = previous.get(file.path);
    if (before === undefined) {
      changes.push({ path: file.path, kind: 'added', fields: [], effect: addedEffect(file.object) });
    } else if (before !== file.content) {
      const old = YAML.parse(before);
      const fields = differingFields(old, file.object);
      const effect = fields.length === 0 ? 'only the YAML text changed: the object is the same, Argo CD sees no difference' : changedEffect(old, file.object, fields);
      changes.push({ path: file.path, kind: 'changed', fields: fields.slice(0, 3), effect });
    }
  }
  for (const path of [...previous.keys()].filter((p) => !now.has(p)).sort()) {
    const old = YAML.parse(previous.get(path)!);
    changes.push({ path, kind: 'removed', fields: [], effect: `Argo CD prunes the ${old?.kind ?? 'object'}${old?.kind === 'PersistentVolumeClaim' ? ' and its data' : ''}` });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The report synth prints for one environment: a count line, then one line per change. */
export function describeChanges(env: string, changes: readonly Change[]): string {
  if (changes.length === 0) return `${env}: no change`;
  const count = (kind: Change['kind']) => changes.filter((c) => c.kind === kind).length;
  const lines = changes.map((c) => `  ${c.kind.padEnd(7)} ${c.path}${c.fields.length ? ` (${c.fields.join(', ')})` : ''}\n          → ${c.effect}`);
  return [`${env}: ${count('added')} added, ${count('changed')} changed, ${count('removed')} removed`, ...lines].join('\n');
}

/** Leaf paths where `a` and `b` differ, deepest first in document order. */
function differingFields(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(a) || !isObject(b)) return [path || '(whole object)'];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((k) => differingFields(a[k], b[k], path ? `${path}.${k}` : k));
}

type K8sObject = Record<string, any>;

const hookOf = (o: K8sObject) => o.metadata?.annotations?.['argocd.argoproj.io/hook'] as string | undefined;

function addedEffect(o: K8sObject): string {
  const hook = hookOf(o);
  if (hook) return `runs as an Argo CD ${hook} hook on every sync`;
  switch (o.kind) {
    case 'Deployment':
    case 'StatefulSet':
      return `starts ${o.spec?.replicas ?? 1} pod(s)`;
    case 'FlinkDeployment':
      return o.spec?.job ? 'the Flink operator deploys the application' : 'the Flink operator starts the session cluster';
    case 'KafkaConnector':
      return 'Strimzi creates the connector and starts its tasks';
    case 'ExternalSecret':
      return 'External Secrets creates the Secret from Key Vault';
    case 'Application':
      return `Argo CD starts syncing ${o.spec?.source?.path ?? o.spec?.source?.chart ?? o.metadata?.name}`;
    default:
      return `created on the next sync`;
  }
}

function changedEffect(old: K8sObject, o: K8sObject, fields: readonly string[]): string {
  const hook = hookOf(o);
  if (hook) return `the ${hook} hook runs with the new definition on the next sync`;
  const only = (prefix: string) => fields.every((f) => f.startsWith(prefix));
  switch (o.kind) {
    case 'Deployment':
    case 'StatefulSet': {
      const name = o.metadata?.name;
      const template = fields.some((f) => f.startsWith('spec.template'));
      const scale = fields.includes('spec.replicas') ? `scales ${old.spec?.replicas ?? 1} → ${o.spec?.replicas ?? 1}` : '';
      if (!template) return scale || `${name}: updated in place, no pod restarts`;
      const why = fields.some((f) => f.includes('checksum/')) ? 'configuration changed' : 'pod template changed';
      const how =
        o.spec?.strategy?.type === 'Recreate'
          ? 'every pod stops before the new ones start (Recreate): running work on it fails'
          : `pods roll one by one${o.spec?.strategy?.rollingUpdate?.maxUnavailable !== undefined ? ` (maxUnavailable ${o.spec.strategy.rollingUpdate.maxUnavailable})` : ''}`;
      return `${name}: ${why} → ${how}${scale ? `; ${scale}` : ''}`;
    }
    case 'FlinkDeployment':
      if (only('spec.job.state')) return `the Flink operator ${o.spec.job.state === 'suspended' ? 'suspends' : 'resumes'} the job`;
      if (fields.some((f) => f.startsWith('spec.job') || f.startsWith('spec.flinkConfiguration') || f.startsWith('spec.image') || f.startsWith('spec.podTemplate')))
        return o.spec?.job ? `the Flink operator upgrades the application (upgradeMode ${o.spec.job.upgradeMode ?? 'stateless'})` : 'the Flink operator restarts the session cluster: running session jobs stop';
      return 'the Flink operator reconciles the change';
    case 'KafkaConnect':
      return 'Strimzi rolls the Connect workers one by one; connector tasks rebalance';
    case 'KafkaConnector':
      return 'Strimzi updates the connector; its tasks restart with the new configuration';
    case 'ConfigMap':
      return 'new data; pods that mount it get it when they restart (those with a config checksum restart themselves, listed above)';
    case 'ExternalSecret':
      return 'External Secrets rewrites the Secret on its next refresh';
    case 'NetworkPolicy':
      return 'the allowed traffic changes at once';
    case 'Job':
      return 'a Job is immutable: Argo CD must replace it (delete and create)';
    case 'Application':
      return `Argo CD syncs ${o.metadata?.name} with the new source or policy`;
    default:
      return 'updated in place on the next sync';
  }
}
