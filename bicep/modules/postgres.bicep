metadata description = 'The PostgreSQL flexible server Polaris persists to (relational-jdbc): TLS required (the server default), reachable from AKS only (private endpoint, or a firewall that admits the AKS egress addresses), backups retained, zone-redundant high availability where the environment asks for it. Its children are written one after another: the server serializes its operations and answers ServerIsBusy to a second one (Azure/azure-postgresql#134).'

import { networkType, postgresType } from '../types.bicep'

@description('Required. Server name.')
@minLength(3)
@maxLength(63)
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags.')
param tags object = {}

@description('Required. Network paths; a private endpoint subnet makes the server private.')
param network networkType

@description('Required. Size, version, backups and availability.')
param settings postgresType

@description('Required. Administrator login.')
param administratorLogin string

@description('Required. The database Polaris uses.')
param databaseName string

@description('Optional. Administrator password: npm run deploy passes a new one on the first deploy or when asked to rotate it, and nothing otherwise, which keeps the current one.')
@secure()
param administratorLoginPassword string = ''

@description('Required. Resource ID of the privatelink postgres DNS zone (used with a private endpoint).')
param dnsZoneId string

@description('Optional. Log Analytics workspace for diagnostics; empty for none.')
param logAnalyticsWorkspaceId string = ''

@description('Optional. Storage size the server has now (autogrow may have raised it); npm run deploy reads it, 0 for a new server. The server is never asked for less: a smaller size fails with UpsertServerManagementOperationDowngradeDiskSizeUnsupported.')
@minValue(0)
param deployedStorageGiB int = 0

@description('Optional. Lock the server against deletion.')
param deleteLock bool = false

var private = !empty(network.privateEndpointSubnetId)

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2025-08-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: settings.sku
    tier: settings.tier
  }
  properties: {
    version: settings.version
    administratorLogin: administratorLogin
    // Write-only: left out, the server keeps the password it has.
    administratorLoginPassword: empty(administratorLoginPassword) ? null : administratorLoginPassword
    authConfig: {
      passwordAuth: 'Enabled'
      activeDirectoryAuth: 'Disabled'
    }
    storage: {
      storageSizeGB: max(settings.storageGiB, deployedStorageGiB)
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: settings.backupRetentionDays
      geoRedundantBackup: settings.geoRedundantBackup ? 'Enabled' : 'Disabled'
    }
    highAvailability: {
      mode: settings.zoneRedundantHa ? 'ZoneRedundant' : 'Disabled'
    }
    network: {
      publicNetworkAccess: private ? 'Disabled' : 'Enabled'
    }
    // Patching and planned failovers at a known quiet hour (Sunday 02:00 UTC) instead of a
    // system-chosen one; for a zone-redundant server this is also when the standby takes over.
    maintenanceWindow: {
      customWindow: 'Enabled'
      dayOfWeek: 0
      startHour: 2
      startMinute: 0
    }
  }
}

// TLS is required by default (require_secure_transport ON) and Polaris verifies the
// certificate (sslmode=verify-full), so nothing restates it here.
resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2025-08-01' = {
  parent: server
  name: databaseName
}

// Without private endpoints: the AKS egress addresses only, one rule each, named by the
// address it admits, so a removed address takes its rule with it.
@batchSize(1)
resource aksEgress 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2025-08-01' = [for address in (private ? [] : network.aksEgressIps): {
  parent: server
  name: 'aks-egress-${replace(address, '.', '-')}'
  dependsOn: [
    database
  ]
  properties: {
    startIpAddress: address
    endIpAddress: address
  }
}]

module serverEndpoint 'private-endpoint.bicep' = if (private) {
  name: '${take(deployment().name, 50)}-pe-postgres'
  // The firewall rules and the endpoint exclude each other; listed so the order stays total.
  dependsOn: [
    database
    aksEgress
  ]
  params: {
    name: 'pe-${name}'
    location: location
    tags: tags
    subnetId: network.privateEndpointSubnetId
    targetResourceId: server.id
    groupId: 'postgresqlServer'
    privateDnsZoneId: dnsZoneId
  }
}

resource serverLock 'Microsoft.Authorization/locks@2020-05-01' = if (deleteLock) {
  name: '${name}-cannot-delete'
  scope: server
  dependsOn: [
    aksEgress
    serverEndpoint
  ]
  properties: {
    level: 'CanNotDelete'
    notes: 'aks-lakehouse: the Polaris catalog lives here; remove this lock deliberately before deleting the server.'
  }
}

resource serverDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  name: 'to-log-analytics'
  scope: server
  dependsOn: [
    aksEgress
    serverEndpoint
    serverLock
  ]
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
