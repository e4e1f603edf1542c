metadata description = 'The ADLS Gen2 storage account of the lake: keyless (shared key off, OAuth by default), TLS 1.2+, HTTPS only, no public blob access, soft delete, optional lock, private endpoint and diagnostics, and the ledger containers.'

import { networkType, protectionType } from '../types.bicep'

@description('Required. Storage account name.')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags.')
param tags object = {}

@description('Required. Container names from the ledger.')
param containers array

@description('Required. Network exposure.')
param network networkType

@description('Required. Retention and locks.')
param protection protectionType

@description('Optional. Log Analytics workspace for diagnostics; empty for none.')
param logAnalyticsWorkspaceId string = ''

@description('Required. Resource ID of the privatelink blob DNS zone (used with private endpoints).')
param blobDnsZoneId string

@description('Required. Resource ID of the privatelink dfs DNS zone (used with private endpoints).')
param dfsDnsZoneId string

// Private endpoints whenever a subnet is given; public access is a separate switch.
var privateEndpoints = !empty(network.privateEndpointSubnetId)
var diagnostics = !empty(logAnalyticsWorkspaceId)

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    // Geo-zone-redundant: the lake is the platform's data of record.
    name: 'Standard_GZRS'
  }
  properties: {
    isHnsEnabled: true
    // Keyless: no account key or key-signed SAS can authenticate; Entra ID only.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    isLocalUserEnabled: false
    isSftpEnabled: false
    accessTier: 'Hot'
    // Copies (AzCopy, Put Blob From URL) only from accounts in this tenant, or only over private links.
    allowedCopyScope: privateEndpoints ? 'PrivateLink' : 'AAD'
    publicNetworkAccess: network.publicNetworkAccess
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
      ipRules: [for range in network.allowedIpRanges: {
        value: range
        action: 'Allow'
      }]
      // The AKS node subnets, through their Microsoft.Storage service endpoint.
      virtualNetworkRules: [for subnetId in network.aksSubnetIds: {
        id: subnetId
        action: 'Allow'
      }]
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

// Versioning and point-in-time restore are not available with a hierarchical namespace;
// soft delete is the protection HNS accounts have.
resource blobServices 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: storageAccount
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: protection.blobSoftDeleteDays
      allowPermanentDelete: false
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: protection.containerSoftDeleteDays
      allowPermanentDelete: false
    }
  }
}

resource blobContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [for container in containers: {
  parent: blobServices
  name: container
  properties: {
    publicAccess: 'None'
  }
}]

resource deleteLock 'Microsoft.Authorization/locks@2020-05-01' = if (protection.deleteLock) {
  name: '${name}-cannot-delete'
  scope: storageAccount
  properties: {
    level: 'CanNotDelete'
    notes: 'aks-lakehouse: the lake holds the platform data; remove this lock deliberately before deleting the account.'
  }
}

module blobEndpoint 'private-endpoint.bicep' = if (privateEndpoints) {
  name: '${take(deployment().name, 50)}-pe-blob'
  params: {
    name: 'pe-${name}-blob'
    location: location
    tags: tags
    subnetId: network.privateEndpointSubnetId
    targetResourceId: storageAccount.id
    groupId: 'blob'
    privateDnsZoneId: blobDnsZoneId
  }
}

module dfsEndpoint 'private-endpoint.bicep' = if (privateEndpoints) {
  name: '${take(deployment().name, 50)}-pe-dfs'
  params: {
    name: 'pe-${name}-dfs'
    location: location
    tags: tags
    subnetId: network.privateEndpointSubnetId
    targetResourceId: storageAccount.id
    groupId: 'dfs'
    privateDnsZoneId: dfsDnsZoneId
  }
}

// Every log and metric, as Azure Verified Modules default to: the account has metrics only,
// its blob service both.
resource accountDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (diagnostics) {
  name: 'to-log-analytics'
  scope: storageAccount
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (diagnostics) {
  name: 'to-log-analytics'
  scope: blobServices
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

@description('Name of the storage account.')
output name string = storageAccount.name

@description('Resource ID of the storage account.')
output resourceId string = storageAccount.id

@description('Blob and DFS endpoints.')
output endpoints object = {
  blob: storageAccount.properties.primaryEndpoints.blob
  dfs: storageAccount.properties.primaryEndpoints.dfs
}
