import { AzureOutputs } from './azure-outputs';
import { BaseEnvironment } from './environment';
import { ConfigError } from './errors';
import type { WorkloadIdentity } from './identity';
import { Lake } from './lake';
import { Ledger } from './ledger';

export interface PlatformProps {
  readonly env: BaseEnvironment;
  /** Repository-relative path of the environment file, for error messages. */
  readonly envFile: string;
  /** Captured Bicep outputs; absent before the first deploy. */
  readonly outputs?: AzureOutputs;
  /** Repository-relative path of the outputs file, for error messages. */
  readonly outputsFile: string;
}

/**
 * Everything a chart may know about its environment: the typed settings, the lake, the
 * Key Vault and the ledger that records what Azure must provide. One per environment.
 */
export class Platform {
  readonly env: BaseEnvironment;
  readonly ledger: Ledger;
  readonly lake: Lake;
  readonly keyVault: KeyVault;
  readonly outputsFile: string;
  private readonly outputs?: AzureOutputs;

  constructor(props: PlatformProps) {
    this.env = props.env;
    this.outputs = props.outputs;
    this.outputsFile = props.outputsFile;
    this.ledger = new Ledger(props.env.name);
    this.lake = new Lake(props.env.azure.storageAccountName, this.ledger);
    this.keyVault = new KeyVault(props.env.azure.keyVaultName, this.ledger);
  }

  /**
   * `image` of setting `components.<setting>`, checked to come from the environment's own
   * registry: the cluster pulls only from there (AcrPull), and only pinned references.
   * `how` says how it gets there: `import` (az acr import) or `build` (npm run build-image).
   */
  registryImage(setting: string, image: string, how: 'import' | 'build'): string {
    const registry = `${this.env.azure.containerRegistryName.toLowerCase()}.azurecr.io/`;
    if (!image.startsWith(registry)) {
      const hint = how === 'build' ? 'build it with npm run build-image' : 'import it with az acr import';
      throw new ConfigError(`environments/${this.env.name}.ts`, `components.${setting}`, image, `must come from the environment's registry ${registry} (${hint}, see README)`);
    }
    return image;
  }

  /** The client ID Bicep gave `identity`, or the error that says how to get one. */
  clientId(identity: string): string | ConfigError {
    const found = this.outputs?.identities[identity]?.clientId;
    if (found) return found;
    return new ConfigError(
      this.outputsFile,
      `identities.${identity}.clientId`,
      undefined,
      `must exist: the identity is in the ledger bicep/env/${this.env.name}.workloads.json but not yet in Azure; ` +
        `run \`npm run deploy -- ${this.env.name}\`, which creates it and writes ${this.outputsFile}, then synth again`,
    );
  }
}

/** The environment's Azure Key Vault: its URL, and grants recorded in the ledger. */
export class KeyVault {
  constructor(
    readonly name: string,
    private readonly ledger: Ledger,
  ) {}

  get vaultUrl(): string {
    return `https://${this.name}.vault.azure.net/`;
  }

  /** Key Vault Secrets User on the vault for `identity`. */
  grantSecretsRead(identity: WorkloadIdentity): void {
    this.ledger.grantKeyVault(identity.identityName, 'Key Vault Secrets User');
  }

  /**
   * Key Vault Secrets Officer on each of `secrets` for `identity`: read and write those
   * values, and no other secret of the vault (Key Vault RBAC accepts a secret as scope).
   */
  grantSecretsWrite(identity: WorkloadIdentity, secrets: readonly string[]): void {
    for (const secret of secrets) this.ledger.grantKeyVaultSecret(identity.identityName, secret, 'Key Vault Secrets Officer');
  }
}
