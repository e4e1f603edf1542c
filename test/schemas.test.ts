import { describe, expect, it } from 'vitest';
import { defaultsLeftOut, loadCrdSchemas } from './crd-schemas';
import { envNames, objects, synthOne } from './helpers';

/** Kinds of the Kubernetes API itself: validated by kubernetes-validate in the test command. */
const CORE_GROUPS = new Set(['v1', 'apps/v1', 'policy/v1', 'autoscaling/v2', 'networking.k8s.io/v1', 'batch/v1', 'rbac.authorization.k8s.io/v1']);

describe.each(envNames)('custom resources of %s', (name) => {
  const schemas = loadCrdSchemas();
  const custom = objects(synthOne(name)).filter((o) => !CORE_GROUPS.has(o.apiVersion));

  it('are all of a pinned CRD kind', () => {
    const unknown = custom.filter((o) => !schemas.has(`${o.apiVersion}/${o.kind}`)).map((o) => `${o.apiVersion}/${o.kind}`);
    expect(unknown).toEqual([]);
  });

  it('validate against their pinned CRD schema, unknown fields rejected', () => {
    const failures = custom.flatMap((o) => {
      const { validate } = schemas.get(`${o.apiVersion}/${o.kind}`)!;
      const where = `${o.kind}/${o.metadata.name}`;
      return validate(o) ? [] : [`${where}: ${JSON.stringify(validate.errors)}`];
    });
    expect(failures).toEqual([]);
  });

  it('spell out every CRD default inside list items', () => {
    const left = custom.flatMap((o) =>
      defaultsLeftOut(schemas.get(`${o.apiVersion}/${o.kind}`)!.schema, o).map((p) => `${o.kind}/${o.metadata.name}${p}`),
    );
    expect(left).toEqual([]);
  });
});

describe('the schema check can fail', () => {
  const schemas = loadCrdSchemas();
  const store = objects(synthOne('dev')).find((o) => o.kind === 'ClusterSecretStore')!;

  it('rejects a misspelt field', () => {
    const typo = structuredClone(store);
    typo.spec.provider.azurekv.vaultURL = typo.spec.provider.azurekv.vaultUrl;
    expect(schemas.get('external-secrets.io/v1/ClusterSecretStore')!.validate(typo)).toBe(false);
  });

  it('rejects a value outside an enum', () => {
    const bad = structuredClone(store);
    bad.spec.provider.azurekv.authType = 'Workload';
    expect(schemas.get('external-secrets.io/v1/ClusterSecretStore')!.validate(bad)).toBe(false);
  });

  it('finds a default left out inside a list item', () => {
    const es = { spec: { data: [{ secretKey: 'a', remoteRef: { key: 'b' }, sourceRef: { generatorRef: { kind: 'Password', name: 'p' } } }] } };
    const schema = schemas.get('external-secrets.io/v1/ExternalSecret')!.schema;
    expect(defaultsLeftOut(schema, es)).toEqual(['.spec.data[0].sourceRef.generatorRef.apiVersion (default "generators.external-secrets.io/v1alpha1")']);
  });
});
