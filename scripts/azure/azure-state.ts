// What already exists in Azure, read through Azure Resource Manager (the control plane the
// deployer's role covers), before anything is written. Only "not found" means missing: any
// other failure (403, throttling, a network error) stops the command, because taking it for
// "missing" would generate a new database password for a server that has one.
import type { Environment } from '../../charts/components';
import type { Az } from './round-trip';

/** ARM's error codes for a resource that is not there (HTTP 404). */
const NOT_FOUND = /\((ResourceNotFound|ParentResourceNotFound|ResourceGroupNotFound)\)|Code: (ResourceNotFound|ParentResourceNotFound|ResourceGroupNotFound)\b/;

/** Thrown when Azure cannot say whether something exists; the message says what and why. */
export class LookupError extends Error {}

export interface AzureState {
  /** The vault exists (not soft-deleted). */
  readonly vaultExists: boolean;
  /** A soft-deleted vault holds the name: it must be recovered, purge protection keeps it taken. */
  readonly vaultSoftDeleted: boolean;
  /** Generated secrets the vault does not hold. */
  readonly missingSecrets: readonly string[];
  /** The PostgreSQL server's disk size now, or undefined when there is no server. */
  readonly serverStorageGiB?: number;
}

export function resourceGroupId(env: Environment): string {
  return `/subscriptions/${env.azure.subscriptionId}/resourceGroups/${env.azure.resourceGroup}`;
}

export function vaultId(env: Environment): string {
  return `${resourceGroupId(env)}/providers/Microsoft.KeyVault/vaults/${env.azure.keyVaultName}`;
}

export function serverId(env: Environment): string {
  // psql-<namePrefix>: bicep/main.bicep, and postgresServerName of charts/polaris/constants.ts.
  return `${resourceGroupId(env)}/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-${env.azure.namePrefix}`;
}

/** `az resource show --ids <id>` with a query: its output, or undefined when the resource is not found. */
function show(az: Az, id: string, query: string, what: string): string | undefined {
  const call = az(['resource', 'show', '--ids', id, '--query', query, '--output', 'tsv']);
  if (call.status === 0) return call.stdout.trim();
  if (NOT_FOUND.test(call.stderr)) return undefined;
  throw new LookupError(`cannot tell whether ${what} exists (az resource show: ${call.stderr.trim().split('\n')[0] || `exit ${call.status}`}); only "not found" is taken as missing`);
}

/**
 * The names of the vault's secrets, from the management API (Secrets - List, Microsoft.KeyVault
 * 2024-11-01), which lists names and never values. `az rest` prefixes a URL without a host
 * with the Resource Manager endpoint of the current cloud.
 */
function listSecrets(az: Az, vault: string, vaultName: string): string[] {
  const names: string[] = [];
  let url: string | undefined = `${vault}/secrets?api-version=2024-11-01`;
  while (url) {
    const call = az(['rest', '--method', 'get', '--url', url, '--output', 'json']);
    if (call.status !== 0) throw new LookupError(`cannot list the secrets of Key Vault ${vaultName} (az rest: ${call.stderr.trim().split('\n')[0] || `exit ${call.status}`})`);
    const page = JSON.parse(call.stdout) as { value: { name: string }[]; nextLink?: string };
    names.push(...page.value.map((s) => s.name));
    url = page.nextLink;
  }
  return names;
}

export function readAzureState(az: Az, env: Environment, secrets: readonly string[], groupExists: boolean, serverWanted: boolean): AzureState {
  const vault = vaultId(env);
  const vaultExists = groupExists && show(az, vault, 'id', `Key Vault ${env.azure.keyVaultName}`) !== undefined;
  let vaultSoftDeleted = false;
  if (!vaultExists) {
    const deleted = az(['keyvault', 'list-deleted', '--subscription', env.azure.subscriptionId, '--resource-type', 'vault', '--output', 'json']);
    if (deleted.status !== 0) throw new LookupError(`cannot list soft-deleted vaults (az keyvault list-deleted: ${deleted.stderr.trim().split('\n')[0]})`);
    vaultSoftDeleted = (JSON.parse(deleted.stdout || '[]') as { name: string }[]).some((v) => v.name.toLowerCase() === env.azure.keyVaultName.toLowerCase());
  }
  const held = vaultExists ? listSecrets(az, vault, env.azure.keyVaultName) : [];
  const missingSecrets = secrets.filter((name) => !held.includes(name));
  const size = serverWanted && groupExists ? show(az, serverId(env), 'properties.storage.storageSizeGB', `PostgreSQL server ${serverId(env).split('/').pop()}`) : undefined;
  return { vaultExists, vaultSoftDeleted, missingSecrets, serverStorageGiB: size === undefined ? undefined : Number(size) };
}
