import type { WorkloadIdentity } from './identity';
import type { Ledger } from './ledger';
import { Access, StorageDataRole } from './roles';

const CONTAINER_NAME = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** One folder or file name of a lake path: letters, digits, . _ = -, but not `.` or `..`. */
export const LAKE_PATH_SEGMENT = String.raw`(?!\.\.?(?:/|$))[A-Za-z0-9._=-]+`;
const LAKE_PATH = new RegExp(`^${LAKE_PATH_SEGMENT}(?:/${LAKE_PATH_SEGMENT})*$`);

/**
 * The ADLS Gen2 storage account of an environment. Charts ask it for containers and
 * locations; they never write a storage URL by hand.
 */
export class Lake {
  private readonly containers = new Map<string, LakeContainer>();

  constructor(
    readonly accountName: string,
    private readonly ledger: Ledger,
  ) {}

  /**
   * Storage Blob Delegator on the account for `identity`: it may get a user delegation key
   * (an account-level action) and so sign user delegation SAS, limited to what its data roles
   * allow (Azure Storage, "Create a user delegation SAS").
   */
  grantUserDelegation(identity: WorkloadIdentity): void {
    this.ledger.grantStorageAccount(identity.identityName, 'Storage Blob Delegator');
  }

  /** The container `name`, recorded in the ledger so Bicep creates it. */
  container(name: string): LakeContainer {
    if (!CONTAINER_NAME.test(name)) {
      throw new Error(`container name (${JSON.stringify(name)}) must be 3-63 lowercase letters, digits and single hyphens`);
    }
    let container = this.containers.get(name);
    if (!container) {
      container = new LakeContainer(this, name, this.ledger);
      this.containers.set(name, container);
      this.ledger.addContainer(name);
    }
    return container;
  }
}

export class LakeContainer {
  constructor(
    readonly lake: Lake,
    readonly name: string,
    private readonly ledger: Ledger,
  ) {}

  /** A location inside this container; `path` is relative, '/'-separated, without `..`. */
  path(path = ''): LakeLocation {
    return new LakeLocation(this, path);
  }

  /** Storage Blob Data Reader on this container for `identity`. */
  grantRead(identity: WorkloadIdentity): StorageGrant {
    return this.grant(identity, 'Storage Blob Data Reader');
  }

  /** Storage Blob Data Contributor on this container for `identity`. */
  grantReadWrite(identity: WorkloadIdentity): StorageGrant {
    return this.grant(identity, 'Storage Blob Data Contributor');
  }

  private grant(identity: WorkloadIdentity, role: StorageDataRole): StorageGrant {
    this.ledger.grantStorage(identity.identityName, this.name, role);
    return new StorageGrant(identity, this, role === 'Storage Blob Data Contributor' ? 'readWrite' : 'read');
  }
}

export class LakeLocation {
  readonly path: string;

  constructor(
    readonly container: LakeContainer,
    path: string,
  ) {
    const trimmed = path.replace(/\/+$/, '');
    if (trimmed !== '' && !LAKE_PATH.test(trimmed)) {
      throw new Error(`path (${JSON.stringify(path)}) in container ${container.name} must be relative, with segments of letters, digits, . _ = - (no . or .. segment)`);
    }
    this.path = trimmed;
  }

  /** `abfss://<container>@<account>.dfs.core.windows.net/<path>` (Hadoop ABFS, Iceberg ADLSFileIO, Trino). */
  abfss(): string {
    return `abfss://${this.container.name}@${this.container.lake.accountName}.dfs.core.windows.net/${this.path}`;
  }

  /** `azblob://<container>` (Go CDK blob URL, as WarpStream takes it); only the container root has one. */
  azblob(): string {
    if (this.path !== '') {
      throw new Error(`azblob URLs name a container only; location ${this.abfss()} has a path`);
    }
    return `azblob://${this.container.name}`;
  }
}

/** The record of one identity's access to one container; hands out locations inside it. */
export class StorageGrant {
  constructor(
    readonly identity: WorkloadIdentity,
    readonly container: LakeContainer,
    readonly access: Access,
  ) {}

  /** A location inside the granted container that the identity will use with the granted access. */
  location(path = ''): UsedLocation {
    return this.identity.use(this.container.path(path), this.access);
  }
}

/**
 * A location an identity has been checked to hold a grant for. Rendering it records the
 * URL in the ledger, which the contract tests compare against what `dist/` contains.
 */
export class UsedLocation {
  constructor(
    readonly location: LakeLocation,
    readonly access: Access,
    private readonly record: (url: string) => void,
  ) {}

  abfss(): string {
    const url = this.location.abfss();
    this.record(url);
    return url;
  }

  azblob(): string {
    const url = this.location.azblob();
    this.record(url);
    return url;
  }
}
