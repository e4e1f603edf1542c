import { createHash } from 'node:crypto';
import { Access, KeyVaultRole, StorageAccountRole, StorageDataRole } from './roles';

/** The federated subject of one Kubernetes service account. */
export interface Subject {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** A subject as the ledger records it, with the name of its federated credential. */
export interface SubjectEntry extends Subject {
  readonly credentialName: string;
}

/** Federated identity credential names: 3-120 letters, digits, '-' and '_', starting with a letter or digit. */
export const CREDENTIAL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/;

/**
 * Names the federated credential of each subject of one identity: `<namespace>-<serviceAccount>`
 * where that is a valid name and no other subject of the identity reads the same (a-b/c and
 * a/b-c do); otherwise a readable prefix and a hash of the subject, at most 120 characters.
 * Names already deployed stay as they are: a renamed credential would be created beside the
 * old one, and Azure refuses a second credential for the same issuer and subject.
 */
export function credentialNames(subjects: readonly Subject[]): string[] {
  const plain = subjects.map((s) => `${s.namespace}-${s.serviceAccount}`);
  return subjects.map((s, i) => {
    const clash = plain.some((p, j) => j !== i && p === plain[i]);
    if (!clash && CREDENTIAL_NAME.test(plain[i])) return plain[i];
    const hash = createHash('sha256').update(`${s.namespace}:${s.serviceAccount}`).digest('hex').slice(0, 10);
    return `${plain[i].replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 109)}-${hash}`;
  });
}

export interface StorageGrantEntry {
  readonly container: string;
  readonly role: StorageDataRole;
}

/** A storage location a workload renders into its configuration, and how it uses it. */
export interface LocationUse {
  readonly url: string;
  readonly container: string;
  readonly access: Access;
}

/** A role on one Key Vault secret (Key Vault RBAC accepts a secret as scope). */
export interface KeyVaultSecretGrantEntry {
  readonly secret: string;
  readonly role: KeyVaultRole;
}

export interface IdentityEntry {
  readonly name: string;
  readonly subjects: SubjectEntry[];
  readonly storage: StorageGrantEntry[];
  readonly storageAccount: { role: StorageAccountRole }[];
  /** Roles on the whole vault. */
  readonly keyVault: { role: KeyVaultRole }[];
  /** Roles on single secrets; `npm run deploy` makes sure each secret exists first. */
  readonly keyVaultSecrets: KeyVaultSecretGrantEntry[];
  readonly locations: LocationUse[];
}

/** The ledger as written to `bicep/env/<env>.workloads.json` and read by Bicep. */
export interface LedgerJson {
  readonly environment: string;
  readonly containers: string[];
  readonly identities: IdentityEntry[];
}

/** Azure's limit of federated identity credentials per user-assigned identity. */
export const MAX_SUBJECTS_PER_IDENTITY = 20;

/**
 * Records, for one environment, every Azure-side fact the charts rely on: containers,
 * identities, their federated subjects and role grants. Grants write here; Bicep loops
 * over what this produces. Entries are kept sorted so the JSON is byte-stable.
 */
export class Ledger {
  private readonly containers = new Set<string>();
  private readonly identities = new Map<string, MutableIdentity>();
  private readonly owners = new Map<string, string>();

  constructor(readonly environment: string) {}

  addContainer(name: string): void {
    this.containers.add(name);
  }

  /** Adds a federated subject; a service account can belong to one identity only. */
  addSubject(identity: string, subject: Subject): void {
    const key = `${subject.namespace}/${subject.serviceAccount}`;
    const owner = this.owners.get(key);
    if (owner !== undefined) {
      throw new Error(
        `service account ${key} is declared twice (identities ${owner} and ${identity}); each service account federates to exactly one identity`,
      );
    }
    this.owners.set(key, identity);
    const entry = this.entry(identity);
    entry.subjects.push(subject);
    if (entry.subjects.length > MAX_SUBJECTS_PER_IDENTITY) {
      throw new Error(
        `identity ${identity} has ${entry.subjects.length} federated subjects; Azure allows at most ${MAX_SUBJECTS_PER_IDENTITY} per user-assigned identity, split it`,
      );
    }
  }

  grantStorage(identity: string, container: string, role: StorageDataRole): void {
    const storage = this.entry(identity).storage;
    const existing = storage.findIndex((g) => g.container === container);
    if (existing === -1) storage.push({ container, role });
    // A Contributor grant subsumes a Reader grant on the same container.
    else if (role === 'Storage Blob Data Contributor') storage[existing] = { container, role };
  }

  grantStorageAccount(identity: string, role: StorageAccountRole): void {
    const roles = this.entry(identity).storageAccount;
    if (!roles.some((r) => r.role === role)) roles.push({ role });
  }

  grantKeyVault(identity: string, role: KeyVaultRole): void {
    const roles = this.entry(identity).keyVault;
    if (!roles.some((r) => r.role === role)) roles.push({ role });
  }

  grantKeyVaultSecret(identity: string, secret: string, role: KeyVaultRole): void {
    const grants = this.entry(identity).keyVaultSecrets;
    if (!grants.some((g) => g.secret === secret && g.role === role)) grants.push({ secret, role });
  }

  recordLocation(identity: string, use: LocationUse): void {
    const locations = this.entry(identity).locations;
    const same = locations.find((l) => l.url === use.url);
    if (!same) locations.push(use);
    else if (use.access === 'readWrite' && same.access === 'read') locations[locations.indexOf(same)] = use;
  }

  storageGrant(identity: string, container: string): StorageGrantEntry | undefined {
    return this.identities.get(identity)?.storage.find((g) => g.container === container);
  }

  grantedContainers(identity: string): string[] {
    return (this.identities.get(identity)?.storage ?? []).map((g) => g.container).sort();
  }

  identityNames(): string[] {
    return [...this.identities.keys()].sort();
  }

  toJson(): LedgerJson {
    const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return {
      environment: this.environment,
      containers: [...this.containers].sort(byString),
      identities: this.identityNames().map((name) => {
        const e = this.identities.get(name)!;
        const subjects = [...e.subjects].sort((a, b) => byString(`${a.namespace}/${a.serviceAccount}`, `${b.namespace}/${b.serviceAccount}`));
        const names = credentialNames(subjects);
        return {
          name,
          subjects: subjects.map((subject, i) => ({ ...subject, credentialName: names[i] })),
          storage: [...e.storage].sort((a, b) => byString(a.container, b.container)),
          storageAccount: [...e.storageAccount].sort((a, b) => byString(a.role, b.role)),
          keyVault: [...e.keyVault].sort((a, b) => byString(a.role, b.role)),
          keyVaultSecrets: [...e.keyVaultSecrets].sort((a, b) => byString(`${a.secret}/${a.role}`, `${b.secret}/${b.role}`)),
          locations: [...e.locations].sort((a, b) => byString(a.url, b.url)),
        };
      }),
    };
  }

  private entry(identity: string): MutableIdentity {
    let entry = this.identities.get(identity);
    if (!entry) {
      entry = { subjects: [], storage: [], storageAccount: [], keyVault: [], keyVaultSecrets: [], locations: [] };
      this.identities.set(identity, entry);
    }
    return entry;
  }
}

interface MutableIdentity {
  subjects: Subject[];
  storage: StorageGrantEntry[];
  storageAccount: { role: StorageAccountRole }[];
  keyVault: { role: KeyVaultRole }[];
  keyVaultSecrets: KeyVaultSecretGrantEntry[];
  locations: LocationUse[];
}
