metadata description = 'A private endpoint for one sub-resource (group) of a resource, registered in its privatelink DNS zone through a zone group, so the resource name resolves to the private address.'

@description('Required. Private endpoint name.')
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags.')
param tags object = {}

@description('Required. Resource ID of the subnet for the endpoint.')
param subnetId string

@description('Required. Resource ID of the target resource.')
param targetResourceId string

@description('Required. Sub-resource of the target, e.g. blob, dfs, vault, registry.')
param groupId string

@description('Required. Resource ID of the privatelink DNS zone of this sub-resource.')
param privateDnsZoneId string

resource privateEndpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: groupId
        properties: {
          privateLinkServiceId: targetResourceId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }
}

// Without a zone group the public name keeps resolving to the public address, which the
// firewall denies (Azure Private Endpoint DNS integration).
resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = {
  parent: privateEndpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: groupId
        properties: {
          privateDnsZoneId: privateDnsZoneId
        }
      }
    ]
  }
}

@description('Resource ID of the private endpoint.')
output resourceId string = privateEndpoint.id
