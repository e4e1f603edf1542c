// The secrets `npm run deploy` generates, and how they reach Key Vault on day one: through
// Azure Resource Manager (bicep/secrets.bicep), never the vault's data plane, which a new
// vault does not open to the deployer and a private vault does not expose at all.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../../charts/components';
import { bicepParamValues } from '../../charts/lib/bicep-params';
import type { LedgerJson } from '../../charts/lib/ledger';
import { polarisKeyVaultSecrets } from '../../charts/polaris/constants';
import { trinoKeyVaultSecrets } from '../../charts/trino';

type Random = (bytes: number) => Buffer;

/**
 * A PostgreSQL administrator password. Flexible server wants characters from three of four
 * classes (upper, lower, digits, others); 24 random bytes in base64url miss one now and then
 * (about 0.13 % of draws miss two), so draws are repeated until all four are there.
 */
export function databasePassword(random: Random = randomBytes): string {
  for (;;) {
    const password = random(24).toString('base64url');
    if (/[A-Z]/.test(password) && /[a-z]/.test(password) && /[0-9]/.test(password) && /[-_]/.test(password)) return password;
  }
}

/**
 * Every secret the deploy command generates for `env`, with how to make a value: the
 * platform's own, and each secret the ledger scopes a role to, which must exist before the
 * stack assigns the role on it. Those get a random first value that no one can use; their
 * writer (the Polaris catalog creator) finds that it does not authenticate and replaces it.
 */
export function generatedSecrets(env: Environment, ledger: LedgerJson): Record<string, () => string> {
  const components = env.components as Record<string, unknown>;
  const secrets: Record<string, () => string> = {};
  if (components.polaris !== undefined) {
    secrets[polarisKeyVaultSecrets.databasePassword] = () => databasePassword();
    secrets[polarisKeyVaultSecrets.rootClientId] = () => randomBytes(8).toString('hex');
    secrets[polarisKeyVaultSecrets.rootClientSecret] = () => randomBytes(24).toString('base64url');
    secrets[polarisKeyVaultSecrets.tokenBrokerKey] = () => randomBytes(32).toString('base64url');
    secrets[polarisKeyVaultSecrets.serverDatabasePassword] = () => randomBytes(24).toString('base64url');
  }
  if (components.trino !== undefined) secrets[trinoKeyVaultSecrets.sharedSecret] = () => randomBytes(48).toString('base64url');
  for (const grant of ledger.identities.flatMap((i) => i.keyVaultSecrets)) secrets[grant.secret] ??= () => randomBytes(32).toString('base64url');
  return secrets;
}

/**
 * The parameters of bicep/secrets.bicep as an ARM parameters file: the vault exactly as the
 * environment's .bicepparam gives it to main.bicep, and the secret values.
 */
export function secretsParameters(env: Environment, values: Record<string, string>, keyVaultRecover: boolean): string {
  const all = Object.fromEntries(bicepParamValues(env));
  const names = ['location', 'keyVaultName', 'network', 'protection', 'logAnalyticsWorkspaceId', 'tags'];
  const parameters = Object.fromEntries([...names.map((n) => [n, { value: all[n] }]), ['keyVaultRecover', { value: keyVaultRecover }], ['secretValues', { value: values }]]);
  return `${JSON.stringify({ $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#', contentVersion: '1.0.0.0', parameters }, null, 2)}\n`;
}

/** Runs `use` with the path of a file readable only by this user, holding `content`; removes it afterwards. */
export function withPrivateFile<T>(content: string, use: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-secrets-'));
  const file = join(dir, 'parameters.json');
  try {
    writeFileSync(file, content, { mode: 0o600 });
    return use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
