import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { FLINK_OPERATOR_SELECTOR, helmOperators } from '../charts/argocd/operators';
// @ts-expect-error plain ESM helper shared with the import script
import { pinnedJson } from '../scripts/pinned.mjs';
import { envNames, find, objects, synthOne } from './helpers';

/**
 * What we know of each operator chart at its pinned version: its values.schema.json where
 * it ships one (prose removed), else the key tree of its values.yaml (scripts/pin.mjs).
 */
const charts: Record<string, { schema?: string; keys?: string }> = {
  'cert-manager': { schema: 'helm/cert-manager/values.schema.json' },
  'external-secrets': { schema: 'helm/external-secrets/values.schema.json' },
  'flink-kubernetes-operator': { keys: 'helm/flink-kubernetes-operator/values.keys.json' },
  'strimzi-kafka-operator': { keys: 'helm/strimzi-kafka-operator/values.keys.json' },
};

function schemaValidator(file: string) {
  const schema = pinnedJson(file);
  const ajv = schema.$schema?.includes('2020-12') ? new Ajv2020({ strict: false, allErrors: true }) : new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(schema);
  return (values: unknown) => (validate(values) ? [] : validate.errors!.map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`));
}

/** Paths of `values` that the chart's values.yaml does not have, or has with another type. */
function unknownKeys(tree: any, values: any, path = ''): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const here = `${path}.${key}`;
    if (!(key in tree)) return [`${here} is not a key of the chart`];
    const known = tree[key];
    if (typeof known === 'object') {
      if (Object.keys(known).length === 0) return []; // a free-form map, e.g. annotations: {}
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? unknownKeys(known, value, here) : [`${here} must be a map`];
    }
    const type = Array.isArray(value) ? 'array' : typeof value;
    return known === 'null' || known === type ? [] : [`${here} is a ${type}; the chart's default is a ${known}`];
  });
}

/**
 * Keys the schema does not list where it lists properties. Helm, like JSON Schema without
 * `additionalProperties: false`, accepts any key and ignores the unknown: a typo would
 * silently do nothing (ESO 2.9.0's schema leaves most objects open).
 */
function unlistedKeys(schema: any, node: any, values: any, path = ''): string[] {
  while (node?.$ref) node = node.$ref.replace(/^#\//, '').split('/').reduce((n: any, k: string) => n[k], schema);
  if (!node?.properties || values === null || typeof values !== 'object' || Array.isArray(values)) return [];
  return Object.entries(values).flatMap(([key, value]) => {
    if (key in node.properties) return unlistedKeys(schema, node.properties[key], value, `${path}.${key}`);
    return typeof node.additionalProperties === 'object' || node.additionalProperties === true ? [] : [`${path}.${key} is not a key of the chart`];
  });
}

/** One checker per chart for the run (compiling a chart's schema takes a few hundred ms). */
const checkers = new Map<string, (values: unknown) => string[]>();
function checker(chart: string): (values: unknown) => string[] {
  if (!checkers.has(chart)) checkers.set(chart, newChecker(chart));
  return checkers.get(chart)!;
}

function newChecker(chart: string): (values: unknown) => string[] {
  const pinned = charts[chart];
  if (pinned.schema) {
    const validate = schemaValidator(pinned.schema);
    const schema = pinnedJson(pinned.schema);
    return (values) => [...validate(values), ...unlistedKeys(schema, schema, values)];
  }
  const tree = pinnedJson(pinned.keys!);
  return (values) => unknownKeys(tree, values);
}

describe('the Helm values we set exist in each pinned chart', () => {
  it('covers every operator', () => {
    expect(helmOperators.map((o) => o.name).sort()).toEqual(Object.keys(charts).sort());
  });

  describe.each(envNames)('%s', (env) => {
    it.each(helmOperators.map((o) => [o.name]))('%s', (name) => {
      const values = find(synthOne(env), 'Application', `${env}-${name}`).spec.source.helm.valuesObject;
      expect(checker(name)(values)).toEqual([]);
    });
  });

  it.each(helmOperators.map((o) => [o.name]))('the check refuses a misspelt key for %s', (name) => {
    const values = find(synthOne('prod'), 'Application', `prod-${name}`).spec.source.helm.valuesObject;
    expect(checker(name)({ ...values, replicaCout: 2 })).not.toEqual([]);
  });
});

describe('prod operators are highly available', () => {
  const result = synthOne('prod');
  const values = (name: string) => find(result, 'Application', `prod-${name}`).spec.source.helm.valuesObject;
  const budgeted = (component: any) => expect(component.podDisruptionBudget).toMatchObject({ enabled: true, minAvailable: 1 });

  it('cert-manager: controller, webhook and CA injector each run two replicas with a PDB', () => {
    const v = values('cert-manager');
    for (const component of [v, v.webhook, v.cainjector]) {
      expect(component.replicaCount).toBe(2);
      budgeted(component);
    }
  });

  it('External Secrets: controller, webhook and cert controller each run two replicas with a PDB, with leader election', () => {
    const v = values('external-secrets');
    expect(v.leaderElect).toBe(true);
    for (const component of [v, v.webhook, v.certController]) {
      expect(component.replicaCount).toBe(2);
      budgeted(component);
    }
  });

  it('Strimzi: two replicas, leader election and its PDB', () => {
    const v = values('strimzi-kafka-operator');
    expect(v.replicas).toBe(2);
    expect(v.leaderElection).toEqual({ enable: true });
    budgeted(v);
  });

  it('Flink operator: two replicas with leader election, a rolling strategy and our PDB (the chart has none)', () => {
    const v = values('flink-kubernetes-operator');
    expect(v.replicas).toBe(2);
    expect(v.strategy).toEqual({ type: 'RollingUpdate' });
    expect(v.defaultConfiguration['flink-conf.yaml']).toContain('kubernetes.operator.leader-election.enabled: true');
    expect(v.defaultConfiguration['flink-conf.yaml']).toContain('kubernetes.operator.leader-election.lease-name: flink-operator-lease');
    const pdb = find(result, 'PodDisruptionBudget', 'flink-kubernetes-operator', 'flink-operator');
    expect(pdb.spec.selector.matchLabels).toEqual(FLINK_OPERATOR_SELECTOR);
    expect(pdb.spec.minAvailable).toBe(1);
  });

  it('dev runs single replicas without leader election and needs no operator budgets', () => {
    const dev = synthOne('dev');
    const v = find(dev, 'Application', 'dev-flink-kubernetes-operator').spec.source.helm.valuesObject;
    expect(v.replicas).toBe(1);
    expect(v.strategy).toEqual({ type: 'Recreate' });
    expect(v.defaultConfiguration['flink-conf.yaml']).not.toContain('leader-election');
    expect(objects(dev).filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.namespace === 'flink-operator')).toEqual([]);
  });
});

describe('ignoreDifferences names only fields an operator really writes', () => {
  // What each chart's pods write into its own objects after sync, read from the chart at its
  // pinned version: webhooks annotated for CA injection (cert-manager.io/inject-ca-from*).
  const injected: Record<string, string[]> = {
    // deploy/charts/cert-manager/templates/webhook-validating-webhook.yaml, webhook-mutating-webhook.yaml
    'cert-manager': ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
    // deploy/charts/external-secrets/templates/validatingwebhook.yaml; crds.conversion.enabled defaults to false
    'external-secrets': ['ValidatingWebhookConfiguration'],
    // helm/flink-kubernetes-operator/templates/webhook/{validating,mutating}_webhook_configuration.yaml
    'flink-kubernetes-operator': ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
    // no webhooks; the 1.2.0 CRDs carry no `deprecated: false`
    'strimzi-kafka-operator': [],
  };

  it.each(helmOperators.map((o) => [o.name, o]))('%s', (name, op) => {
    const ignored = (op.ignoreDifferences ?? []).map((d) => d.kind).sort();
    expect(ignored).toEqual(injected[name]);
    for (const d of op.ignoreDifferences ?? []) expect(d.jqPathExpressions).toEqual(['.webhooks[]?.clientConfig.caBundle']);
  });
});
