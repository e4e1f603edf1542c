import type { Platform } from '../lib/platform';

/** Ports and paths of Apache Polaris 1.7.0 (runtime/defaults application.properties; helm chart livenessProbe/readinessProbe). */
export const POLARIS = {
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
} as const;

/** The administrator login of the PostgreSQL server (bicep/modules/postgres.bicep). */
export const POLARIS_DATABASE = { login: 'polarisadmin', name: 'polaris' } as const;

/** Name of the PostgreSQL flexible server Bicep creates (bicep/main.bicep, postgresServerName). */
export function postgresServerName(platform: Platform): string {
  return `psql-${platform.env.azure.namePrefix}`;
}
