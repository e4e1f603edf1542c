metadata description = 'The PostgreSQL flexible server Polaris persists to (relational-jdbc): TLS required, reachable from AKS only (private endpoint, or a firewall that admits the AKS egress addresses), backups retained, zone-redundant high availability where the environment asks for it.'

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
      storageSizeGB: settings.storageGiB
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
  }
}

// TLS only (on by default; stated so nobody turns it off by accident).
resource requireTls 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2025-08-01' = {
  parent: server
  name: 'require_secure_transport'
  properties: {
    value: 'ON'
    source: 'user-override'
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2025-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// Without private endpoints: the AKS egress addresses only.
resource aksEgress 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2025-08-01' = [for (address, i) in (private ? [] : network.aksEgressIps): {
  parent: server
  name: 'aks-egress-${i}'
  properties: {
    startIpAddress: address
    endIpAddress: address
  }
}]

module serverEndpoint 'private-endpoint.bicep' = if (private) {
  name: '${take(deployment().name, 50)}-pe-postgres'
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

resource serverDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  name: 'to-log-analytics'
  scope: server
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

@description('Host name of the server.')
output fqdn string = server.properties.fullyQualifiedDomainName
