metadata description = 'The privatelink DNS zones of the private endpoints, linked to the virtual network of the endpoints. Used only when no existing zones (typically in a hub) are named.'

@description('Required. Zone names, e.g. privatelink.blob.core.windows.net (string[]).')
param zoneNames array

@description('Required. Resource ID of the virtual network that resolves through the zones.')
param virtualNetworkId string

@description('Optional. Tags.')
param tags object = {}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [for zone in zoneNames: {
  name: zone
  location: 'global'
  tags: tags
}]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (zone, i) in zoneNames: {
  parent: zones[i]
  name: 'platform-vnet'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkId
    }
  }
}]
