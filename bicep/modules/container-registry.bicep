metadata description = 'The container registry for images the platform builds with az acr build (Flink with the ABFS workload identity provider, Kafka Connect with the Iceberg sink). The AKS kubelet identity pulls with AcrPull; admin user off.'

import { networkType, builtInRoles } from '../types.bicep'

@description('Required. Registry name.')
@minLength(5)
@maxLength(50)
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags.')
param tags object = {}

@description('Required. Network exposure; a private endpoint subnet selects the Premium SKU, which private endpoints need.')
param network networkType

@description('Required. Object ID of the AKS kubelet identity, taken from the existing cluster.')
param kubeletPrincipalId string

@description('Optional. Log Analytics workspace for diagnostics; empty for none.')
param logAnalyticsWorkspaceId string = ''

// Private endpoints (whenever a subnet is given) need the Premium SKU.
var privateEndpoints = !empty(network.privateEndpointSubnetId)

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: privateEndpoints ? 'Premium' : 'Standard'
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: network.publicNetworkAccess
    policies: {
      retentionPolicy: {
        status: privateEndpoints ? 'enabled' : 'disabled'
        days: 30
      }
    }
  }
}

resource kubeletAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, kubeletPrincipalId, builtInRoles.AcrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.AcrPull)
    principalId: kubeletPrincipalId
    principalType: 'ServicePrincipal'
    description: 'aks-lakehouse: the AKS kubelet pulls the images the platform builds'
  }
}

module registryEndpoint 'private-endpoint.bicep' = if (privateEndpoints) {
  name: '${deployment().name}-pe-registry'
  params: {
    name: 'pe-${name}'
    location: location
    tags: tags
    subnetId: network.privateEndpointSubnetId
    targetResourceId: registry.id
    groupId: 'registry'
  }
}

resource registryDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  name: 'to-log-analytics'
  scope: registry
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

@description('Login server of the registry.')
output loginServer string = registry.properties.loginServer
