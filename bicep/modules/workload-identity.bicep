metadata description = 'One ledger identity: a user-assigned managed identity, a federated credential per Kubernetes service account, and exactly the role assignments the ledger lists.'

import { workloadIdentityAudience } from '../types.bicep'

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

@description('Required. Roles on single Key Vault secrets (keyVaultSecretGrantType[]).')
param keyVaultSecretGrants array

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
  // Derived by synth: at most 120 characters and unique per subject (see charts/lib/ledger.ts).
  name: subject.credentialName
  properties: {
    issuer: issuerUrl
    subject: 'system:serviceaccount:${subject.namespace}:${subject.serviceAccount}'
    audiences: [
      workloadIdentityAudience
    ]
  }
}]

// In a module of their own: a role assignment name must be known when the deployment
// starts, and the principal ID is known only once the identity exists. Passed in as a
// parameter it may seed the name, so a recreated identity gets new assignments instead of
// RoleAssignmentUpdateNotPermitted. The price: what-if cannot evaluate a parameter known only
// at run time, so it previews the identity and its credentials but not these assignments.
#disable-next-line what-if-short-circuiting
module roles 'identity-roles.bicep' = {
  // This deployment's name ends in a hash of the identity; cut, it would be lost, and two
  // identities with a long common prefix would share one roles deployment.
  name: '${take(deployment().name, 43)}-roles-${uniqueString(deployment().name)}'
  params: {
    principalId: identity.properties.principalId
    environmentName: environmentName
    ledgerName: ledgerName
    storageGrants: storageGrants
    storageAccountGrants: storageAccountGrants
    keyVaultGrants: keyVaultGrants
    keyVaultSecretGrants: keyVaultSecretGrants
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
  }
}

@description('Client ID of the identity, for the service account annotation.')
output clientId string = identity.properties.clientId

@description('Principal (object) ID of the identity.')
output principalId string = identity.properties.principalId

@description('Resource ID of the identity.')
output resourceId string = identity.id
