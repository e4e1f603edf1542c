metadata description = 'One role assignment of monitoring: Monitoring Data Reader on the Azure Monitor workspace for Managed Grafana, or Grafana Admin on Grafana for an admin group; named from scope, principal and role.'

import { builtInRoles } from '../types.bicep'

@description('Required. Principal (object) ID that gets the role.')
@minLength(36)
@maxLength(36)
param principalId string

@allowed([
  'Monitoring Data Reader'
  'Grafana Admin'
])
@description('Required. The role, and with it the scope: the workspace for Monitoring Data Reader, Grafana for Grafana Admin.')
param role string

@description('Required. Name of the Azure Monitor workspace.')
param workspaceName string

@description('Required. Name of the Managed Grafana instance.')
param grafanaName string

@description('Required. Environment name, used in the description.')
param environmentName string

resource workspace 'Microsoft.Monitor/accounts@2025-10-03' existing = {
  name: workspaceName
}

resource grafana 'Microsoft.Dashboard/grafana@2025-08-01' existing = {
  name: grafanaName
}

resource readsWorkspace 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (role == 'Monitoring Data Reader') {
  name: guid(workspace.id, principalId, builtInRoles['Monitoring Data Reader'])
  scope: workspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles['Monitoring Data Reader'])
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: '${environmentName}: Managed Grafana reads the Prometheus metrics of the workspace'
  }
}

resource administersGrafana 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (role == 'Grafana Admin') {
  name: guid(grafana.id, principalId, builtInRoles['Grafana Admin'])
  scope: grafana
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles['Grafana Admin'])
    principalId: principalId
    // People reach Grafana through Entra ID groups, never one by one.
    principalType: 'Group'
    description: '${environmentName}: administers the platform dashboards'
  }
}
