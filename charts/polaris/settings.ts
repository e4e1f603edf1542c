import * as z from 'zod/mini';
import { integer, pattern, rules } from '../lib/validation';

const name = pattern(/^[a-z][a-z0-9_]{0,62}$/, 'must be 1-63 lowercase letters, digits and underscores, starting with a letter');

/** What one consumer of the catalog may do; the creator turns it into catalog roles and grants. */
const consumer = z.strictObject({
  /**
   * `read`: list and read tables everywhere; `readWrite`: create, write and drop tables and
   * namespaces everywhere; `namespaces`: create and write tables only in `namespaces`.
   */
  access: z.enum(['read', 'readWrite', 'namespaces']),
  /** Namespaces (one level) the consumer writes into, created by the creator; for access `namespaces`. */
  namespaces: z._default(z.array(name), []),
});

/** Settings of `components.polaris` in an environment. */
export const polarisSettings = z
  .strictObject({
    /** apache/polaris, imported into the environment registry and pinned. */
    image: rules.image,
    /** apache/polaris-admin-tool of the same version (bootstrap). */
    adminToolImage: rules.image,
    /** A PostgreSQL image with psql 16 or later (docker.io/library/postgres), which gives the server its own login. */
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
