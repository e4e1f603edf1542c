metadata name = 'aks-lakehouse'
metadata description = 'Azure side of one aks-lakehouse environment: ADLS Gen2 lake, workload identities federated to the AKS cluster, least-privilege role assignments, Key Vault and container registry. Parameters come from env/<env>.bicepparam, which synth generates.'

targetScope = 'resourceGroup'

import { identityOutputType, networkType, protectionType } from 'types.bicep'

/*** PARAMETERS ***/

@description('Required. Environment name, as in environments/<name>.ts.')
@minLength(2)
@maxLength(10)
param environmentName string

@description('Optional. Azure region of the resources.')
param location string = resourceGroup().location

@description('Required. Prefix of the resource names this template creates, e.g. identities are id-<prefix>-<identity>.')
@minLength(3)
@maxLength(32)
param namePrefix string

@description('Required. Name of the ADLS Gen2 storage account.')
@minLength(3)
@maxLength(24)
param storageAccountName string

@description('Required. Name of the Key Vault.')
@minLength(3)
@maxLength(24)
param keyVaultName string

@description('Required. Name of the container registry that holds the images the platform builds.')
@minLength(5)
@maxLength(50)
param containerRegistryName string

@description('Required. Name of the existing AKS cluster (OIDC issuer and workload identity enabled).')
param aksClusterName string

@description('Required. Resource group of the existing AKS cluster.')
param aksResourceGroup string

@description('Required. Network exposure of storage, Key Vault and registry.')
param network networkType

@description('Required. Retention and locks.')
param protection protectionType

@description('Optional. Resource ID of a Log Analytics workspace for diagnostic logs; empty sends none.')
param logAnalyticsWorkspaceId string = ''

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Required. Blob containers of the lake (string[], from the ledger).')
param containers array

@description('Required. Identities with their federated subjects and grants (identityType[] of types.bicep, from the ledger).')
param identities array

/*** EXISTING RESOURCES ***/

resource aks 'Microsoft.ContainerService/managedClusters@2025-07-01' existing = {
  name: aksClusterName
  scope: resourceGroup(aksResourceGroup)
}

/*** RESOURCES ***/

module storage 'modules/storage.bicep' = {
  name: '${deployment().name}-storage'
  params: {
    name: storageAccountName
    location: location
    tags: tags
    containers: containers
    network: network
    protection: protection
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: '${deployment().name}-key-vault'
  params: {
    name: keyVaultName
    location: location
    tags: tags
    network: network
    protection: protection
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
}

module registry 'modules/container-registry.bicep' = {
  name: '${deployment().name}-registry'
  params: {
    name: containerRegistryName
    location: location
    tags: tags
    network: network
    kubeletPrincipalId: aks.properties.identityProfile.kubeletidentity.objectId
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
}

module workloadIdentities 'modules/workload-identity.bicep' = [for identity in identities: {
  name: '${deployment().name}-id-${identity.name}'
  params: {
    name: 'id-${namePrefix}-${identity.name}'
    location: location
    tags: tags
    environmentName: environmentName
    ledgerName: identity.name
    subjects: identity.subjects
    storageGrants: identity.storage
    storageAccountGrants: identity.storageAccount
    keyVaultGrants: identity.keyVault
    issuerUrl: aks.properties.oidcIssuerProfile.issuerURL
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
  }
}]

/*** OUTPUTS ***/

@description('Tenant of the identities.')
output tenantId string = tenant().tenantId

@description('Subscription of the deployment.')
output subscriptionId string = subscription().subscriptionId

@description('Resource group of the deployment.')
output resourceGroup string = resourceGroup().name

@description('Name of the storage account.')
output storageAccountName string = storage.outputs.name

@description('Blob and DFS endpoints of the storage account.')
output storageEndpoints object = storage.outputs.endpoints

@description('URI of the Key Vault.')
output keyVaultUri string = keyVault.outputs.uri

@description('Login server of the container registry.')
output containerRegistryLoginServer string = registry.outputs.loginServer

@description('Client and principal ID of every ledger identity.')
output identities identityOutputType[] = [for (identity, i) in identities: {
  name: identity.name
  clientId: workloadIdentities[i].outputs.clientId
  principalId: workloadIdentities[i].outputs.principalId
}]
