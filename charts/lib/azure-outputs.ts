import * as z from 'zod/mini';
import { integer, pattern, rules } from './validation';

/**
 * The outputs of `bicep/main.bicep`, captured by `npm run deploy -- <env>` into
 * `environments/<env>.azure.json`. Synth reads client IDs from here.
 */
export const azureOutputsSchema = z.strictObject({
  tenantId: rules.guid,
  subscriptionId: rules.guid,
  resourceGroup: rules.resourceGroupName,
  storageAccountName: rules.storageAccountName,
  storageEndpoints: z.strictObject({
    blob: pattern(/^https:\/\/[a-z0-9]{3,24}\.blob\.core\.windows\.net\/$/, 'must be the https://<account>.blob.core.windows.net/ endpoint'),
    dfs: pattern(/^https:\/\/[a-z0-9]{3,24}\.dfs\.core\.windows\.net\/$/, 'must be the https://<account>.dfs.core.windows.net/ endpoint'),
  }),
  keyVaultUri: pattern(/^https:\/\/[a-zA-Z0-9-]{3,24}\.vault\.azure\.net\/$/, 'must be https://<vault>.vault.azure.net/'),
  /** The vault's soft-delete retention as created; it cannot change afterwards. */
  keyVaultSoftDeleteDays: integer(7, 90),
  containerRegistryLoginServer: pattern(/^[a-z0-9]{5,50}\.azurecr\.io$/, 'must be <registry>.azurecr.io'),
  identities: z.record(
    z.string(),
    z.strictObject({
      clientId: rules.guid,
      principalId: rules.guid,
    }),
  ),
});

export type AzureOutputs = z.output<typeof azureOutputsSchema>;
