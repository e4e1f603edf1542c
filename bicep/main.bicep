metadata name = 'aks-lakehouse'
metadata description = 'Azure side of one aks-lakehouse environment: ADLS Gen2 lake, workload identities federated to the AKS cluster, least-privilege role assignments, Key Vault and container registry. Parameters come from env/<env>.bicepparam, which synth generates.'

targetScope = 'resourceGroup'

import { identityOutputType, networkType, postgresType, protectionType } from 'types.bicep'

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

@description('Required. OIDC issuer URL of the AKS cluster; npm run deploy reads it from the cluster (az aks show) and passes it in.')
@minLength(9)
param aksOidcIssuerUrl string

@description('Required. Object ID of the AKS kubelet identity; npm run deploy reads it from the cluster and passes it in, so what-if can name the AcrPull assignment.')
@minLength(36)
@maxLength(36)
param kubeletPrincipalId string

@description('Optional. True when the kubelet already holds AcrPull on the registry (az aks update --attach-acr made one with a name of its own); npm run deploy finds out.')
param kubeletAcrPullExists bool = false

@description('Required. Network exposure of storage, Key Vault and registry.')
param network networkType

@description('Required. Retention and locks.')
param protection protectionType

@description('Optional. Resource ID of a Log Analytics workspace for diagnostic logs; empty sends none.')
param logAnalyticsWorkspaceId string = ''

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Required. The PostgreSQL server of Polaris; enabled when the environment deploys Polaris.')
param postgres postgresType

@description('Optional. A new PostgreSQL administrator password; npm run deploy passes one only after it has stored it in Key Vault (bicep/secrets.bicep): on the first deploy, a rotation, or when the server is missing. Empty keeps the current one.')
@secure()
param postgresAdminPassword string = ''

@description('Optional. True when a soft-deleted vault of this name exists and must be recovered; npm run deploy finds out.')
param keyVaultRecover bool = false

@description('Optional. Storage size the PostgreSQL server has now (autogrow may have raised it above the setting); npm run deploy reads it from Azure, 0 before the server exists.')
@minValue(0)
param postgresDeployedStorageGiB int = 0

@description('Required. Blob containers of the lake (string[], from the ledger).')
param containers array

@description('Required. Identities with their federated subjects and grants (identityType[] of types.bicep, from the ledger).')
param identities array

@description('Optional. Azure Monitor managed Prometheus, Managed Grafana, alert rule groups and their action group, from env/<env>.monitoring.json ($.azure: actionGroup, grafanaAdmins, clusterResourceId, clusterName, ruleGroups, databaseServerName, metricAlerts); empty: none.')
param monitoring object = {}

/*** VARIABLES ***/

var privateEndpoints = !empty(network.privateEndpointSubnetId)
var createDnsZones = privateEndpoints && empty(network.privateDnsZoneResourceGroupId)

// privatelink zones per sub-resource (Azure Private Endpoint DNS zone values).
var dnsZoneNames = {
  blob: 'privatelink.blob.${environment().suffixes.storage}'
  dfs: 'privatelink.dfs.${environment().suffixes.storage}'
  vault: 'privatelink${replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')}'
  registry: 'privatelink${environment().suffixes.acrLoginServer}'
  // environment() has no PostgreSQL suffix: this zone is the public cloud's (see README).
  postgres: 'privatelink.postgres.database.azure.com'
}
var dnsZoneGroup = createDnsZones ? resourceGroup().id : network.privateDnsZoneResourceGroupId
var dnsZonePrefix = '${dnsZoneGroup}/providers/Microsoft.Network/privateDnsZones/'

// Nested deployment names are limited to 64 characters: 50 of the readable name, a hyphen
// and a 13-character uniqueString.
var deploymentPrefix = take(deployment().name, 40)

/*** RESOURCES ***/

module dnsZones 'modules/private-dns-zones.bicep' = if (createDnsZones) {
  name: '${deploymentPrefix}-dns-zones'
  params: {
    zoneNames: [
      dnsZoneNames.blob
      dnsZoneNames.dfs
      dnsZoneNames.vault
      dnsZoneNames.registry
      dnsZoneNames.postgres
    ]
    virtualNetworkId: network.virtualNetworkId
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: '${deploymentPrefix}-storage'
  dependsOn: [
    dnsZones
  ]
  params: {
    blobDnsZoneId: '${dnsZonePrefix}${dnsZoneNames.blob}'
    dfsDnsZoneId: '${dnsZonePrefix}${dnsZoneNames.dfs}'
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
  name: '${deploymentPrefix}-key-vault'
  dependsOn: [
    dnsZones
  ]
  params: {
    dnsZoneId: '${dnsZonePrefix}${dnsZoneNames.vault}'
    name: keyVaultName
    location: location
    tags: tags
    network: network
    protection: protection
    recoverSoftDeleted: keyVaultRecover
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
}

module registry 'modules/container-registry.bicep' = {
  name: '${deploymentPrefix}-registry'
  dependsOn: [
    dnsZones
  ]
  params: {
    name: containerRegistryName
    location: location
    tags: tags
    network: network
    dnsZoneId: '${dnsZonePrefix}${dnsZoneNames.registry}'
    kubeletPrincipalId: kubeletPrincipalId
    kubeletAcrPullExists: kubeletAcrPullExists
    deleteLock: protection.deleteLock
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
}

module database 'modules/postgres.bicep' = if (postgres.enabled) {
  name: '${deploymentPrefix}-postgres'
  dependsOn: [
    dnsZones
  ]
  params: {
    name: 'psql-${namePrefix}'
    location: location
    tags: tags
    network: network
    settings: postgres
    administratorLogin: postgres.administratorLogin
    databaseName: postgres.databaseName
    administratorLoginPassword: postgresAdminPassword
    deployedStorageGiB: postgresDeployedStorageGiB
    deleteLock: protection.deleteLock
    dnsZoneId: '${dnsZonePrefix}${dnsZoneNames.postgres}'
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
}

// Names and scopes inside come from parameters only (never from module outputs), so
// what-if can evaluate them; dependsOn keeps the order.
module workloadIdentities 'modules/workload-identity.bicep' = [for identity in identities: {
  name: '${take('${deploymentPrefix}-id-${identity.name}', 50)}-${uniqueString(identity.name)}'
  dependsOn: [
    storage
    keyVault
  ]
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
    keyVaultSecretGrants: identity.keyVaultSecrets
    issuerUrl: aksOidcIssuerUrl
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
  }
}]

module monitor 'modules/monitoring.bicep' = if (!empty(monitoring)) {
  name: '${deploymentPrefix}-monitoring'
  params: {
    environmentName: environmentName
    namePrefix: namePrefix
    location: location
    tags: tags
    clusterResourceId: monitoring.clusterResourceId
    clusterName: monitoring.clusterName
    actionGroup: monitoring.actionGroup
    grafanaAdmins: monitoring.grafanaAdmins
    ruleGroups: monitoring.ruleGroups
    databaseServerName: postgres.enabled ? monitoring.databaseServerName : ''
    metricAlerts: monitoring.metricAlerts
  }
  // The metric alerts are scoped to the server: it exists first.
  dependsOn: [
    database
  ]
}

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

@description('Soft-delete retention of the Key Vault in days, as created; it cannot change afterwards.')
output keyVaultSoftDeleteDays int = keyVault.outputs.softDeleteRetentionInDays

@description('Login server of the container registry.')
output containerRegistryLoginServer string = registry.outputs.loginServer

@description('Client and principal ID of every ledger identity.')
output identities identityOutputType[] = [for (identity, i) in identities: {
  name: identity.name
  clientId: workloadIdentities[i].outputs.clientId
  principalId: workloadIdentities[i].outputs.principalId
}]
