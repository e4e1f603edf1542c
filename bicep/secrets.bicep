metadata name = 'aks-lakehouse secrets'
metadata description = 'The Key Vault and the secrets npm run deploy generates, written through Azure Resource Manager: it works on day one, when the deployer holds no data-plane role on a new vault and the vault may have public access off. A plain deployment that runs before the stack of main.bicep, and only when a secret is new: the stack manages resources its template lists on every run, and would delete a secret a later run does not pass again.'

targetScope = 'resourceGroup'

import { networkType, protectionType } from 'types.bicep'

@description('Optional. Azure region of the vault.')
param location string = resourceGroup().location

@description('Required. Name of the Key Vault (as in main.bicep).')
@minLength(3)
@maxLength(24)
param keyVaultName string

@description('Required. Network exposure (as in main.bicep).')
param network networkType

@description('Required. Retention and locks (as in main.bicep).')
param protection protectionType

@description('Optional. Log Analytics workspace for diagnostics (as in main.bicep); empty for none.')
param logAnalyticsWorkspaceId string = ''

@description('Optional. Tags (as in main.bicep).')
param tags object = {}

@description('Optional. True when a soft-deleted vault of this name must be recovered.')
param keyVaultRecover bool = false

@description('Required. The secrets to write, name to value; npm run deploy passes them in a file readable only by its user.')
@secure()
param secretValues object

// The same module main.bicep deploys, so both write the same vault; its private endpoint is
// left to main.bicep, which creates the DNS zones first.
module keyVault 'modules/key-vault.bicep' = {
  name: '${take(deployment().name, 50)}-key-vault'
  params: {
    name: keyVaultName
    location: location
    tags: tags
    network: network
    protection: protection
    recoverSoftDeleted: keyVaultRecover
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
    createPrivateEndpoint: false
    dnsZoneId: ''
  }
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource secrets 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = [for secret in items(secretValues): {
  parent: vault
  name: secret.key
  dependsOn: [
    keyVault
  ]
  properties: {
    value: secret.value
    contentType: 'text/plain'
  }
}]
