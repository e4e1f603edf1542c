import { AzureOutputs } from './azure-outputs';
import { BaseEnvironment } from './environment';
import { ConfigError } from './errors';
import type { WorkloadIdentity } from './identity';
import { type ExpectedVersion, versionMismatches } from './image-version';
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
  /** Problems found while building that do not stop it, reported with every other problem of the run. */
  readonly problems: ConfigError[] = [];
  /** Identities of the ledger that Azure has not created yet (no client ID in the outputs). */
  readonly undeployedIdentities: string[] = [];

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
   * Where its tag names a version of `versions`, that must be the one the charts are made and
   * checked for (`why` says where that comes from): a tag is what people read and change, and
   * `npm run build-image` tags what images/ holds with whatever the tag says.
   */
  registryImage(setting: string, image: string, how: 'import' | 'build', versions?: { expected: readonly ExpectedVersion[]; why: string }): string {
    const registry = `${this.env.azure.containerRegistryName.toLowerCase()}.azurecr.io/`;
    const envFile = `environments/${this.env.name}.ts`;
    if (!image.startsWith(registry)) {
      const hint = how === 'build' ? 'build it with npm run build-image' : 'import it with npm run import-images';
      this.problems.push(new ConfigError(envFile, `components.${setting}`, image, `must come from the environment's registry ${registry} (${hint}, see README)`));
    }
    const mismatches = versionMismatches(image, versions?.expected ?? []);
    if (mismatches.length > 0) this.problems.push(new ConfigError(envFile, `components.${setting}`, image, `must be ${mismatches.join(', ')}: ${versions?.why}`));
    return image;
  }

  /** The client ID Bicep gave `identity`; undefined (and recorded) while Azure has none yet. */
  clientId(identity: string): string | undefined {
    const found = this.outputs?.identities[identity]?.clientId;
    if (!found) this.undeployedIdentities.push(identity);
    return found;
  }

  /** One error for every identity Azure does not have yet, or none: they all have the same remedy. */
  undeployedError(): ConfigError | undefined {
    const missing = [...new Set(this.undeployedIdentities)].sort();
    if (missing.length === 0) return undefined;
    const deploy = `run \`npm run deploy -- ${this.env.name}\`, which creates ${missing.length === 1 ? 'it' : 'them'} and writes ${this.outputsFile}, then synth again`;
    if (!this.outputs) {
      return new ConfigError(this.outputsFile, '(file)', undefined, `must exist: ${this.env.name} is not deployed yet; ${deploy}`);
    }
    if (missing.length === 1) {
      return new ConfigError(this.outputsFile, `identities.${missing[0]}.clientId`, undefined, `must exist: the identity is in the ledger bicep/env/${this.env.name}.workloads.json but not yet in Azure; ${deploy}`);
    }
    return new ConfigError(this.outputsFile, 'identities', `${missing.length} missing: ${missing.join(', ')}`, `must exist: these identities are in the ledger bicep/env/${this.env.name}.workloads.json but not yet in Azure; ${deploy}`);
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
