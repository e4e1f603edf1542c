import { Access, KeyVaultRole, StorageAccountRole, StorageDataRole } from './roles';

/** The federated subject of one Kubernetes service account. */
export interface Subject {
  readonly namespace: string;
  readonly serviceAccount: string;
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

export interface IdentityEntry {
  readonly name: string;
  readonly subjects: Subject[];
  readonly storage: StorageGrantEntry[];
  readonly storageAccount: { role: StorageAccountRole }[];
  readonly keyVault: { role: KeyVaultRole }[];
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
        return {
          name,
          subjects: [...e.subjects].sort((a, b) => byString(`${a.namespace}/${a.serviceAccount}`, `${b.namespace}/${b.serviceAccount}`)),
          storage: [...e.storage].sort((a, b) => byString(a.container, b.container)),
          storageAccount: [...e.storageAccount].sort((a, b) => byString(a.role, b.role)),
          keyVault: [...e.keyVault].sort((a, b) => byString(a.role, b.role)),
          locations: [...e.locations].sort((a, b) => byString(a.url, b.url)),
        };
      }),
    };
  }

  private entry(identity: string): MutableIdentity {
    let entry = this.identities.get(identity);
    if (!entry) {
      entry = { subjects: [], storage: [], storageAccount: [], keyVault: [], locations: [] };
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
  locations: LocationUse[];
}
