metadata description = 'The Key Vault External Secrets Operator reads: RBAC authorization, soft delete, purge protection, firewall, optional lock, private endpoint and diagnostics. Used by main.bicep and by secrets.bicep, which writes the generated secrets, so both write the same vault.'

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

@description('Required. Resource ID of the privatelink vault DNS zone (used with a private endpoint).')
param dnsZoneId string

@description('Optional. Create the private endpoint when the network has a subnet for one. secrets.bicep, which may run before the DNS zones exist, leaves it to main.bicep.')
param createPrivateEndpoint bool = true

@description('Optional. Recover the soft-deleted vault of this name (an environment rebuilt within the retention; purge protection keeps the name taken). npm run deploy finds out.')
param recoverSoftDeleted bool = false

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
    createMode: recoverSoftDeleted ? 'recover' : 'default'
    enableRbacAuthorization: true
    enableSoftDelete: true
    // Both are fixed once the vault exists: the retention cannot change and purge protection
    // cannot be turned off (Key Vault soft-delete overview). Synth refuses an edit of the
    // retention against the deployed value (environments/<env>.azure.json keyVaultSoftDeleteDays).
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
      // The AKS node subnets, through their Microsoft.KeyVault service endpoint.
      virtualNetworkRules: [for subnetId in network.aksSubnetIds: {
        id: subnetId
        ignoreMissingVnetServiceEndpoint: false
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

module vaultEndpoint 'private-endpoint.bicep' = if (createPrivateEndpoint && !empty(network.privateEndpointSubnetId)) {
  name: '${take(deployment().name, 50)}-pe-vault'
  params: {
    name: 'pe-${name}'
    location: location
    tags: tags
    subnetId: network.privateEndpointSubnetId
    targetResourceId: vault.id
    groupId: 'vault'
    privateDnsZoneId: dnsZoneId
  }
}

resource vaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  name: 'to-log-analytics'
  scope: vault
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

@description('Name of the Key Vault.')
output name string = vault.name

@description('URI of the Key Vault.')
output uri string = vault.properties.vaultUri

@description('Soft-delete retention in days, as the vault has it.')
output softDeleteRetentionInDays int = vault.properties.softDeleteRetentionInDays
