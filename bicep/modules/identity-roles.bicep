metadata description = 'The role assignments of one ledger identity: exactly the grants the ledger lists, each named from scope, principal and role.'

import { builtInRoles } from '../types.bicep'

@description('Required. Principal (object) ID of the identity.')
@minLength(36)
@maxLength(36)
param principalId string

@description('Required. Environment name, used in role assignment descriptions.')
param environmentName string

@description('Required. Name of the identity in the ledger.')
param ledgerName string

@description('Required. Data roles on blob containers (containerGrantType[]).')
param storageGrants array

@description('Required. Roles on the storage account (storageAccountGrantType[], e.g. Storage Blob Delegator for user delegation SAS).')
param storageAccountGrants array

@description('Required. Roles on the Key Vault (keyVaultGrantType[]).')
param keyVaultGrants array

@description('Required. Roles on single Key Vault secrets (keyVaultSecretGrantType[]).')
param keyVaultSecretGrants array

@description('Required. Name of the storage account the grants refer to.')
param storageAccountName string

@description('Required. Name of the Key Vault the grants refer to.')
param keyVaultName string

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource grantedContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' existing = [for grant in storageGrants: {
  name: '${storageAccountName}/default/${grant.container}'
}]

resource keyVault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource grantedSecrets 'Microsoft.KeyVault/vaults/secrets@2024-11-01' existing = [for grant in keyVaultSecretGrants: {
  parent: keyVault
  name: grant.secret
}]

// guid(scope, principal, role), as Azure Verified Modules name them: stable across
// re-deploys, new for a new principal.
resource containerRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (grant, i) in storageGrants: {
  name: guid(grantedContainers[i].id, principalId, builtInRoles[grant.role])
  scope: grantedContainers[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[grant.role])
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-lakehouse ${environmentName}: ${ledgerName} uses container ${grant.container} (${grant.role}), as recorded in the ledger'
  }
}]

resource accountRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for grant in storageAccountGrants: {
  name: guid(storageAccount.id, principalId, builtInRoles[grant.role])
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[grant.role])
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-lakehouse ${environmentName}: ${ledgerName} needs ${grant.role} at account scope, as recorded in the ledger'
  }
}]

resource keyVaultRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for grant in keyVaultGrants: {
  name: guid(keyVault.id, principalId, builtInRoles[grant.role])
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[grant.role])
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-lakehouse ${environmentName}: ${ledgerName} reads Key Vault secrets (${grant.role}), as recorded in the ledger'
  }
}]

// On one secret each: the catalog creator may read and write its consumers' credentials and
// nothing else in the vault (not the database password, not the Polaris root credentials).
resource secretRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (grant, i) in keyVaultSecretGrants: {
  name: guid(grantedSecrets[i].id, principalId, builtInRoles[grant.role])
  scope: grantedSecrets[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[grant.role])
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-lakehouse ${environmentName}: ${ledgerName} uses Key Vault secret ${grant.secret} (${grant.role}), as recorded in the ledger'
  }
}]
