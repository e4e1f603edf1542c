metadata description = 'The Key Vault External Secrets Operator reads: RBAC authorization, soft delete, purge protection, firewall, optional lock, private endpoint and diagnostics. Secret values are set by operators, never by this template.'

import { networkType, protectionType } from '../types.bicep'

@description('Required. Key Vault name.')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags.')
param tags object = {}

@description('Required. Network exposure.')
param network networkType

@description('Required. Retention and locks.')
param protection protectionType

@description('Optional. Log Analytics workspace for diagnostics; empty for none.')
param logAnalyticsWorkspaceId string = ''

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: protection.keyVaultSoftDeleteDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForTemplateDeployment: false
    enabledForDiskEncryption: false
    publicNetworkAccess: network.publicNetworkAccess
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
      ipRules: [for range in network.allowedIpRanges: {
        value: range
      }]
    }
  }
}

resource deleteLock 'Microsoft.Authorization/locks@2020-05-01' = if (protection.deleteLock) {
  name: '${name}-cannot-delete'
  scope: vault
  properties: {
    level: 'CanNotDelete'
    notes: 'aks-lakehouse: holds the platform secrets; remove this lock deliberately before deleting the vault.'
  }
}

module vaultEndpoint 'private-endpoint.bicep' = if (!empty(network.privateEndpointSubnetId)) {
  name: '${deployment().name}-pe-vault'
  params: {
    name: 'pe-${name}'
    location: location
    tags: tags
    subnetId: network.privateEndpointSubnetId
    targetResourceId: vault.id
    groupId: 'vault'
  }
}

resource vaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

@description('Name of the Key Vault.')
output name string = vault.name

@description('URI of the Key Vault.')
output uri string = vault.properties.vaultUri
