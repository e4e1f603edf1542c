import { Construct } from 'constructs';
import {
  ExternalSecret,
  ExternalSecretSpecDataRemoteRefConversionStrategy as Conversion,
  ExternalSecretSpecDataRemoteRefDecodingStrategy as Decoding,
  ExternalSecretSpecDataRemoteRefMetadataPolicy as MetadataPolicy,
  ExternalSecretSpecDataRemoteRefNullBytePolicy as NullBytePolicy,
  ExternalSecretSpecSecretStoreRefKind as StoreKind,
  ExternalSecretSpecTargetCreationPolicy as CreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy as DeletionPolicy,
  ExternalSecretSpecTargetTemplateEngineVersion as TemplateEngine,
  ExternalSecretSpecTargetTemplateMergePolicy as TemplateMergePolicy,
} from '../../imports/externalsecret-external-secrets.io';
import { resourceWaves, SYNC_WAVE_ANNOTATION } from './sync-waves';

/** The ClusterSecretStore every ExternalSecret reads from (created by the secret-store chart). */
export const CLUSTER_SECRET_STORE = 'azure-key-vault';

const KEY_VAULT_SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

export interface KeyVaultSecretProps {
  readonly namespace: string;
  /** Name of the Kubernetes Secret to create. */
  readonly secretName: string;
  /** Kubernetes Secret key -> Key Vault secret name. */
  readonly keys: Record<string, string>;
  readonly labels?: Record<string, string>;
  /** @default '1h' */
  readonly refreshInterval?: string;
  /**
   * Files of the Secret rendered from the fetched keys (ESO template engine v2, e.g.
   * `{{ .clientId }}`); the Secret then holds these instead of the keys.
   */
  readonly template?: Record<string, string>;
}

/**
 * A Kubernetes Secret materialised by External Secrets Operator from Azure Key Vault.
 * Secret values never pass through this repository; operators set them in the vault.
 */
export class KeyVaultSecret extends Construct {
  readonly secretName: string;
  /** Key Vault secret names this secret reads, for the README and the tests. */
  readonly keyVaultSecrets: readonly string[];

  constructor(scope: Construct, id: string, props: KeyVaultSecretProps) {
    super(scope, id);
    this.secretName = props.secretName;
    const entries = Object.entries(props.keys).sort(([a], [b]) => (a < b ? -1 : 1));
    if (entries.length === 0) throw new Error(`[${this.node.path}] keys must name at least one Key Vault secret`);
    for (const [key, vaultName] of entries) {
      if (!SECRET_KEY.test(key)) throw new Error(`[${this.node.path}] secret key (${JSON.stringify(key)}) must match ${SECRET_KEY}`);
      if (!KEY_VAULT_SECRET_NAME.test(vaultName)) {
        throw new Error(`[${this.node.path}] Key Vault secret name (${JSON.stringify(vaultName)}) must be 1-127 letters, digits and hyphens`);
      }
    }
    this.keyVaultSecrets = entries.map(([, v]) => v);

    new ExternalSecret(this, 'Resource', {
      metadata: {
        name: props.secretName,
        namespace: props.namespace,
        labels: props.labels,
        annotations: { [SYNC_WAVE_ANNOTATION]: String(resourceWaves.secrets) },
      },
      spec: {
        refreshInterval: props.refreshInterval ?? '1h',
        secretStoreRef: { kind: StoreKind.CLUSTER_SECRET_STORE, name: CLUSTER_SECRET_STORE },
        target: {
          name: props.secretName,
          creationPolicy: CreationPolicy.OWNER,
          deletionPolicy: DeletionPolicy.RETAIN,
          template: props.template && { engineVersion: TemplateEngine.V2, mergePolicy: TemplateMergePolicy.REPLACE, data: props.template },
        },
        // Spelled out: ESO CRDs before v2 defaulted these inside list items, which left Argo CD OutOfSync
        // forever (external-secrets #6797); stating them keeps the manifest stable across ESO upgrades.
        data: entries.map(([secretKey, key]) => ({
          secretKey,
          remoteRef: {
            key,
            conversionStrategy: Conversion.DEFAULT,
            decodingStrategy: Decoding.NONE,
            metadataPolicy: MetadataPolicy.NONE,
            nullBytePolicy: NullBytePolicy.IGNORE,
          },
        })),
      },
    });
  }
}
