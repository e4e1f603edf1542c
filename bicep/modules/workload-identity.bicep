metadata description = 'One ledger identity: a user-assigned managed identity, a federated credential per Kubernetes service account, and exactly the role assignments the ledger lists.'

import { builtInRoles, workloadIdentityAudience } from '../types.bicep'

@description('Required. Azure name of the identity.')
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags.')
param tags object = {}

@description('Required. Environment name, used in role assignment descriptions.')
param environmentName string

@description('Required. Name of the identity in the ledger.')
param ledgerName string

@description('Required. Service accounts federated to the identity (subjectType[]). Azure allows at most 20 federated credentials per identity.')
@maxLength(20)
param subjects array

@description('Required. Data roles on blob containers (containerGrantType[]).')
param storageGrants array

@description('Required. Roles on the storage account (storageAccountGrantType[], e.g. Storage Blob Delegator for user delegation SAS).')
param storageAccountGrants array

@description('Required. Roles on the Key Vault (keyVaultGrantType[]).')
param keyVaultGrants array

@description('Required. OIDC issuer URL of the AKS cluster.')
param issuerUrl string

@description('Required. Name of the storage account the grants refer to.')
param storageAccountName string

@description('Required. Name of the Key Vault the grants refer to.')
param keyVaultName string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

// Federated credentials of one identity must be written one at a time
// (ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity).
@batchSize(1)
resource federatedCredentials 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2024-11-30' = [for subject in subjects: {
  parent: identity
  name: '${subject.namespace}-${subject.serviceAccount}'
  properties: {
    issuer: issuerUrl
    subject: 'system:serviceaccount:${subject.namespace}:${subject.serviceAccount}'
    audiences: [
      workloadIdentityAudience
    ]
  }
}]

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource grantedContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' existing = [for grant in storageGrants: {
  name: '${storageAccountName}/default/${grant.container}'
}]

resource keyVault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource containerRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (grant, i) in storageGrants: {
  name: guid(grantedContainers[i].id, identity.id, builtInRoles[grant.role])
  scope: grantedContainers[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[grant.role])
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'aks-lakehouse ${environmentName}: ${ledgerName} uses container ${grant.container} (${grant.role}), as recorded in the ledger'
  }
}]

resource accountRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for grant in storageAccountGrants: {
  name: guid(storageAccount.id, identity.id, builtInRoles[grant.role])
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[grant.role])
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'aks-lakehouse ${environmentName}: ${ledgerName} needs ${grant.role} at account scope, as recorded in the ledger'
  }
}]

resource keyVaultRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for grant in keyVaultGrants: {
  name: guid(keyVault.id, identity.id, builtInRoles[grant.role])
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[grant.role])
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'aks-lakehouse ${environmentName}: ${ledgerName} reads Key Vault secrets (${grant.role}), as recorded in the ledger'
  }
}]

@description('Client ID of the identity, for the service account annotation.')
output clientId string = identity.properties.clientId

@description('Principal (object) ID of the identity.')
output principalId string = identity.properties.principalId

@description('Resource ID of the identity.')
output resourceId string = identity.id
