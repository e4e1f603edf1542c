metadata description = 'The container registry for images the platform builds with az acr build (Flink with the ABFS workload identity provider, Kafka Connect with the Iceberg sink). The AKS kubelet identity pulls with AcrPull; admin user and anonymous pull off.'

import { networkType, builtInRoles } from '../types.bicep'

@description('Required. Registry name.')
@minLength(5)
@maxLength(50)
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags.')
param tags object = {}

@description('Required. Network exposure; a private endpoint subnet selects the Premium SKU, which private endpoints, network rules, zone redundancy and export policies need.')
param network networkType

@description('Required. Resource ID of the privatelink registry DNS zone (used with a private endpoint).')
param dnsZoneId string

@description('Required. Object ID of the AKS kubelet identity (npm run deploy reads it from the cluster).')
param kubeletPrincipalId string

@description('Optional. True when the kubelet already holds AcrPull here under another assignment name (az aks update --attach-acr).')
param kubeletAcrPullExists bool = false

@description('Optional. Log Analytics workspace for diagnostics; empty for none.')
param logAnalyticsWorkspaceId string = ''

@description('Optional. Lock the registry against deletion.')
param deleteLock bool = false

// Private endpoints (whenever a subnet is given) need the Premium SKU.
var premium = !empty(network.privateEndpointSubnetId)

// Network rules exist on Premium only; Standard (dev) is reached over its public endpoint
// with Entra ID tokens (AcrPull), never anonymously.
var premiumNetworkRules = {
  defaultAction: 'Deny'
  ipRules: [for range in network.allowedIpRanges: {
    action: 'Allow'
    value: range
  }]
}

var premiumPolicies = {
  // Export can be disabled only when public network access is.
  exportPolicy: {
    status: network.publicNetworkAccess == 'Disabled' ? 'disabled' : 'enabled'
  }
  retentionPolicy: {
    status: 'enabled'
    days: 30
  }
}

// 2025-11-01: the first stable API with networkRuleBypassAllowedForTasks (anonymousPullEnabled
// arrived in 2025-04-01; 2023-07-01 has neither).
resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: premium ? 'Premium' : 'Standard'
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: network.publicNetworkAccess
    networkRuleSet: premium ? premiumNetworkRules : null
    networkRuleBypassOptions: 'AzureServices'
    // `az acr build` runs in ACR Tasks, outside our network: with public access off it reaches
    // the registry only through this bypass.
    networkRuleBypassAllowedForTasks: premium
    zoneRedundancy: premium ? 'Enabled' : 'Disabled'
    // Export and retention policies are Premium features: a Standard registry is sent none.
    policies: premium ? premiumPolicies : null
  }
}

// Named from the principal, so a recreated kubelet identity gets a new assignment instead of
// RoleAssignmentUpdateNotPermitted; skipped when az aks update --attach-acr already made one
// (RoleAssignmentExists).
resource kubeletAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!kubeletAcrPullExists) {
  name: guid(registry.id, kubeletPrincipalId, builtInRoles.AcrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.AcrPull)
    principalId: kubeletPrincipalId
    principalType: 'ServicePrincipal'
    description: 'aks-lakehouse: the AKS kubelet pulls the images the platform builds'
  }
}

resource registryLock 'Microsoft.Authorization/locks@2020-05-01' = if (deleteLock) {
  name: '${name}-cannot-delete'
  scope: registry
  properties: {
    level: 'CanNotDelete'
    notes: 'aks-lakehouse: holds the images the platform runs; remove this lock deliberately before deleting the registry.'
  }
}

module registryEndpoint 'private-endpoint.bicep' = if (premium) {
  name: '${take(deployment().name, 50)}-pe-registry'
  params: {
    name: 'pe-${name}'
    location: location
    tags: tags
    subnetId: network.privateEndpointSubnetId
    targetResourceId: registry.id
    groupId: 'registry'
    privateDnsZoneId: dnsZoneId
  }
}

resource registryDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  name: 'to-log-analytics'
  scope: registry
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

@description('Login server of the registry.')
output loginServer string = registry.properties.loginServer
