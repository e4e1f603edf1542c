metadata description = 'A private endpoint for one sub-resource (group) of a resource. DNS registration is left to the landing zone (Azure Policy or a private DNS zone group), as is usual in hub-and-spoke networks.'

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

@description('Resource ID of the private endpoint.')
output resourceId string = privateEndpoint.id
