import { describe, expect, it } from 'vitest';
import { WORKLOAD_IDENTITY } from '../charts/lib/identity';
import { envNames, find, readCommittedOutputs, synthOne } from './helpers';

/**
 * The rules ESO v2.9.0 applies to a Key Vault store with `authType: WorkloadIdentity`
 * (providers/v1/azure/keyvault/keyvault.go, authorizerForWorkloadIdentity), written out so
 * that the rendered store and its service account can be run through them:
 * - with no serviceAccountRef the controller's own env vars are used (we never rely on that);
 * - the service account is read from serviceAccountRef.namespace (ClusterSecretStore);
 * - client ID: authSecretRef.clientId, or the SA annotation; both is an error, neither is an error;
 * - tenant ID: authSecretRef.tenantId, else provider.tenantId; the SA annotation on top of
 *   either is an error; last the controller's AZURE_TENANT_ID;
 * - token audiences: api://AzureADTokenExchange plus serviceAccountRef.audiences.
 */
function esoWorkloadIdentity(store: any, serviceAccounts: any[], controllerTenant?: string) {
  const kv = store.spec.provider.azurekv;
  if (kv.authType !== 'WorkloadIdentity') throw new Error(`authType ${kv.authType}`);
  const ref = kv.serviceAccountRef;
  if (!ref) throw new Error('no serviceAccountRef: ESO would use its controller pod environment');
  const sa = serviceAccounts.find((s) => s.metadata.name === ref.name && s.metadata.namespace === ref.namespace);
  if (!sa) throw new Error(`serviceaccounts "${ref.name}" not found`);
  const annotations = sa.metadata.annotations ?? {};

  let clientId = '';
  if (kv.authSecretRef) {
    if (!kv.authSecretRef.clientId) throw new Error('missing accessKeyID/secretAccessKey in store config');
    clientId = `<secret ${kv.authSecretRef.clientId.name}>`;
  }
  if (WORKLOAD_IDENTITY.clientIdAnnotation in annotations) {
    if (clientId) throw new Error('multiple clientID found');
    clientId = annotations[WORKLOAD_IDENTITY.clientIdAnnotation];
  }
  if (!clientId) throw new Error(`missing clientID: either serviceAccountRef or service account annotation '${WORKLOAD_IDENTITY.clientIdAnnotation}' is missing`);

  let tenantId = kv.authSecretRef?.tenantId ? `<secret ${kv.authSecretRef.tenantId.name}>` : '';
  if (!tenantId && kv.tenantId) tenantId = kv.tenantId;
  if (WORKLOAD_IDENTITY.tenantIdAnnotation in annotations) {
    if (tenantId) throw new Error("multiple tenantID found. Check secretRef, 'spec.provider.azurekv.tenantId', and serviceAccountRef");
    tenantId = annotations[WORKLOAD_IDENTITY.tenantIdAnnotation];
  }
  tenantId ||= controllerTenant ?? '';
  if (!tenantId) throw new Error('missing tenantID in store config');
  return { clientId, tenantId, audiences: [WORKLOAD_IDENTITY.audience, ...(ref.audiences ?? [])] };
}

describe.each(envNames)('the Key Vault store of %s, as ESO v2.9.0 reads it', (name) => {
  const result = synthOne(name);
  const outputs = readCommittedOutputs(name) as any;
  const store = find(result, 'ClusterSecretStore', 'azure-key-vault');
  const serviceAccounts = result.files!.map((f) => f.object).filter((o) => o.kind === 'ServiceAccount');

  it('authenticates as the external-secrets identity, in the environment tenant, with the one audience Bicep federates', () => {
    expect(esoWorkloadIdentity(store, serviceAccounts)).toEqual({
      clientId: outputs.identities['external-secrets'].clientId,
      tenantId: outputs.tenantId,
      audiences: [WORKLOAD_IDENTITY.audience],
    });
  });

  it('the rules reject what ESO rejects (the store as it was before: tenant twice)', () => {
    const twice = structuredClone(store);
    twice.spec.provider.azurekv.tenantId = outputs.tenantId;
    expect(() => esoWorkloadIdentity(twice, serviceAccounts)).toThrowError('multiple tenantID found');
    const bare = serviceAccounts.map((sa) => ({ ...sa, metadata: { ...sa.metadata, annotations: {} } }));
    expect(() => esoWorkloadIdentity(store, bare)).toThrowError('missing clientID');
    expect(() => esoWorkloadIdentity(store, bare.map((sa) => ({ ...sa, metadata: { ...sa.metadata, annotations: { [WORKLOAD_IDENTITY.clientIdAnnotation]: 'x' } } })))).toThrowError('missing tenantID');
  });
});
