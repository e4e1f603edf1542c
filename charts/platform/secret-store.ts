import { Construct } from 'constructs';
import {
  ClusterSecretStore,
  ClusterSecretStoreSpecProviderAzurekvAuthType as AuthType,
  ClusterSecretStoreSpecProviderAzurekvEnvironmentType as CloudType,
} from '../../imports/clustersecretstore-external-secrets.io';
import { PlatformChart, recommendedLabels } from '../lib/chart';
import { WorkloadIdentity } from '../lib/identity';
import { operatorNamespaces, workloadNamespaces } from '../lib/namespaces';
import type { Platform } from '../lib/platform';
import { CLUSTER_SECRET_STORE } from '../lib/secrets';
import { syncWaves } from '../lib/sync-waves';

export const SECRET_STORE_IDENTITY = 'external-secrets';

/**
 * The ClusterSecretStore for Azure Key Vault. ESO requests tokens for the referenced
 * service account, so the federated subject is that account, not the controller's
 * (external-secrets v2.9.0 docs/provider/azure-key-vault.md, "Workload Identity").
 */
export class SecretStoreChart extends PlatformChart {
  readonly identity: WorkloadIdentity;

  constructor(scope: Construct, platform: Platform) {
    super(scope, platform, { component: 'secret-store', syncWave: syncWaves.secretStore });
    const labels = recommendedLabels('azure-key-vault', 'secret-store');
    this.identity = new WorkloadIdentity(this, 'identity', platform, {
      identityName: SECRET_STORE_IDENTITY,
      namespace: operatorNamespaces.externalSecrets,
      serviceAccountName: 'azure-key-vault-reader',
      labels,
    });
    platform.keyVault.grantSecretsRead(this.identity);

    new ClusterSecretStore(this, 'Resource', {
      metadata: { name: CLUSTER_SECRET_STORE, labels },
      spec: {
        // Only the platform's own namespaces may read through this store.
        conditions: [{ namespaces: Object.values(workloadNamespaces).sort() }],
        provider: {
          azurekv: {
            authType: AuthType.WORKLOAD_IDENTITY,
            environmentType: CloudType.PUBLIC_CLOUD,
            vaultUrl: platform.keyVault.vaultUrl,
            // No tenantId here: the service account's tenant-id annotation carries it, and ESO
            // v2.9.0 refuses a tenant given in both places ("multiple tenantID found",
            // providers/v1/azure/keyvault/keyvault.go, authorizerForWorkloadIdentity).
            serviceAccountRef: { name: this.identity.serviceAccountName, namespace: this.identity.namespace },
          },
        },
      },
    });
  }
}
