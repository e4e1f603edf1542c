import * as z from 'zod/mini';
import { imageTag } from '../lib/image-version';
import { distinct, integer, pattern, rules } from '../lib/validation';

const name = pattern(/^[a-z][a-z0-9_]{0,62}$/, 'must be 1-63 lowercase letters, digits and underscores, starting with a letter');

/** What one consumer of the catalog may do; the creator turns it into catalog roles and grants. */
const consumer = z.strictObject({
  /**
   * `read`: list and read tables everywhere; `readWrite`: create, write and drop tables and
   * namespaces everywhere; `namespaces`: create and write tables only in `namespaces`.
   */
  access: z.enum(['read', 'readWrite', 'namespaces']),
  /** Namespaces (one level) the consumer writes into, created by the creator; for access `namespaces`. */
  namespaces: z._default(z.array(name).check(distinct()), []),
  /**
   * Raise by one to rotate the consumer's catalog credentials at the next sync. The catalog
   * creator rotates (Polaris keeps the previous secret valid until the next rotation) and stores
   * the new secret in Key Vault; see the README's rotation procedure.
   */
  rotation: z._default(integer(0, 1000000), 0),
});

/** Premium SSD sizes of a flexible server up to 16 TiB (learn.microsoft.com, "Storage options in Azure Database for PostgreSQL"). */
const STORAGE_SIZES_GIB = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

/** Settings of `components.polaris` in an environment. */
export const polarisSettings = z
  .strictObject({
    /** apache/polaris, imported into the environment registry and pinned. */
    image: rules.image,
    /** apache/polaris-admin-tool of the same version (bootstrap). */
    adminToolImage: rules.image,
    /** A PostgreSQL image with psql 15 or later (`\getenv`; docker.io/library/postgres), which gives the server its own login. */
    databaseClientImage: rules.image,
    /** A Python 3 image (docker.io/library/python) for the catalog creator; it uses the standard library only. */
    creatorImage: rules.image,
    replicas: integer(1, 10),
    cpu: z.number().check(z.gte(0.25, 'must be >= 0.25 (a quarter vCPU)'), z.lte(16, 'must be <= 16')),
    memoryGiB: z.number().check(z.gte(1, 'must be >= 1 (GiB): Polaris is a JVM service'), z.lte(64, 'must be <= 64 (GiB)')),
    /** The realm (Polaris-Realm header value); bootstrapped once. */
    realm: pattern(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'must be 1-63 letters, digits, _ and -, starting with a letter'),
    /** Refuse requests without the realm header (prod). */
    requireRealmHeader: z.boolean(),
    /** The Iceberg catalog the creator makes; consumers name it as their warehouse. */
    catalogName: name,
    /** Folder of the catalog inside the `iceberg` container. */
    warehousePath: pattern(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a lowercase folder name'),
    /** Principals and what they may do, by consumer name (trino, kafka-connect, flink). */
    consumers: z.record(pattern(/^[a-z][a-z0-9-]{1,30}$/, 'must be a lowercase consumer name'), consumer),
    database: z.strictObject({
      /** Azure Database for PostgreSQL flexible server SKU, e.g. Standard_B1ms (Burstable) or Standard_D2ds_v5 (GeneralPurpose). */
      sku: pattern(/^Standard_[A-Za-z0-9_]+$/, 'must be a flexible server SKU such as Standard_B1ms'),
      tier: z.enum(['Burstable', 'GeneralPurpose', 'MemoryOptimized']),
      /** PostgreSQL major version; 16 or newer. */
      version: z.enum(['16', '17']),
      storageGiB: integer(32, 16384),
      backupRetentionDays: integer(7, 35),
      geoRedundantBackup: z.boolean(),
      /** Zone-redundant high availability (a standby in another zone). Not for Burstable. */
      zoneRedundantHa: z.boolean(),
    }),
  })
  .check(
    z.superRefine((s, ctx) => {
      // Flexible server compute tiers by SKU series (learn.microsoft.com, "Compute options in Azure Database for PostgreSQL").
      const series = /^Standard_([A-Z])/.exec(s.database.sku)?.[1];
      const tierOf: Record<string, string> = { B: 'Burstable', D: 'GeneralPurpose', E: 'MemoryOptimized' };
      if (series && tierOf[series] && tierOf[series] !== s.database.tier) {
        ctx.addIssue({ code: 'custom', path: ['database', 'tier'], message: `must be ${tierOf[series]} for the ${s.database.sku} SKU (the ${series} series), or choose a SKU of the ${s.database.tier} tier`, input: s.database.tier });
      } else if (!series || !tierOf[series]) {
        ctx.addIssue({ code: 'custom', path: ['database', 'sku'], message: 'must be a B (Burstable), D (GeneralPurpose) or E (MemoryOptimized) series SKU such as Standard_B1ms or Standard_D2ds_v5', input: s.database.sku });
      }
      if (!STORAGE_SIZES_GIB.includes(s.database.storageGiB)) {
        ctx.addIssue({ code: 'custom', path: ['database', 'storageGiB'], message: `must be one of the sizes a flexible server disk comes in: ${STORAGE_SIZES_GIB.join(', ')} (GiB)`, input: s.database.storageGiB });
      }
      if (imageTag(s.adminToolImage) !== imageTag(s.image)) {
        ctx.addIssue({ code: 'custom', path: ['adminToolImage'], message: `must be the same version as image (${imageTag(s.image) ?? 'untagged'}): the admin tool bootstraps the schema that server version reads`, input: s.adminToolImage });
      }
      if (s.database.zoneRedundantHa && s.database.tier === 'Burstable') {
        ctx.addIssue({ code: 'custom', path: ['database', 'zoneRedundantHa'], message: 'must be false for the Burstable tier (Azure offers high availability on GeneralPurpose and MemoryOptimized only)', input: true });
      }
      for (const [consumerName, c] of Object.entries(s.consumers)) {
        if ((c.access === 'namespaces') !== c.namespaces.length > 0) {
          ctx.addIssue({ code: 'custom', path: ['consumers', consumerName, 'namespaces'], message: "must list namespaces exactly when access is 'namespaces'", input: c.namespaces });
        }
      }
    }),
  );

export type PolarisSettings = z.output<typeof polarisSettings>;
