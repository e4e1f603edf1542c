import type { Platform } from '../lib/platform';

/** Ports and paths of Apache Polaris 1.7.0 (runtime/defaults application.properties; helm chart livenessProbe/readinessProbe). */
export const POLARIS = {
  /** The release the charts are made for and test/polaris checks against (the admin tool's options in pinned/polaris, polaris-core). */
  release: '1.7.0',
  httpPort: 8181,
  managementPort: 8182,
  liveness: '/q/health/live',
  readiness: '/q/health/ready',
  realmHeader: 'Polaris-Realm',
  /** The image user and group (Dockerfile.jvm: useradd --uid 10000, groupadd --gid 10001). */
  uid: 10000,
  gid: 10001,
  configDir: '/deployments/config',
} as const;

/** Key Vault secrets of Polaris; `npm run deploy` generates the first three (see README). */
export const polarisKeyVaultSecrets = {
  databasePassword: 'polaris-db-password',
  rootClientId: 'polaris-root-client-id',
  rootClientSecret: 'polaris-root-client-secret',
  tokenBrokerKey: 'polaris-token-broker-key',
  /** The password of the server's own login (POLARIS_DATABASE.serverLogin). */
  serverDatabasePassword: 'polaris-db-server-password',
} as const;

/**
 * The PostgreSQL server's logins and database: `login` is the administrator
 * (bicep/modules/postgres.bicep), which the bootstrap and the server-login Job use;
 * `serverLogin` is the Polaris server's own login, which may only read and write rows.
 */
export const POLARIS_DATABASE = { login: 'polarisadmin', serverLogin: 'polaris', name: 'polaris' } as const;

/**
 * Connections each Polaris pod's pool may open (`quarkus.datasource.jdbc.max-size`, Quarkus's
 * default, written out because the database alert counts with it).
 */
export const POLARIS_DB_POOL_MAX_SIZE = 20;

/** Name of the PostgreSQL flexible server Bicep creates (bicep/main.bicep, postgresServerName). */
export function postgresServerName({ env }: Pick<Platform, 'env'>): string {
  return `psql-${env.azure.namePrefix}`;
}
