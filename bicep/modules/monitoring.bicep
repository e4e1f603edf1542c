metadata description = 'Operating the platform: an Azure Monitor workspace (managed Prometheus), Azure Managed Grafana reading it, an action group named by the environment and the Prometheus alert rule groups synth generates. The cluster is connected by npm run deploy (az aks update --enable-azure-monitor-metrics), which creates the data collection endpoint, rule and association.'

/*** PARAMETERS ***/

@description('Required. Environment name, as in environments/<name>.ts.')
param environmentName string

@description('Required. Prefix of the resource names.')
param namePrefix string

@description('Required. Azure region.')
param location string

@description('Optional. Tags.')
param tags object = {}

@description('Required. Resource ID of the AKS cluster the rule groups evaluate for.')
param clusterResourceId string

@description('Required. Name of the AKS cluster (the rule groups\' clusterName).')
param clusterName string

@description('Required. The action group: { shortName: string, emails: string[] }.')
param actionGroup object

@description('Required. Object IDs of the Entra ID groups given Grafana Admin on the Grafana instance.')
param grafanaAdmins array

@description('Required. Prometheus rule groups from env/<env>.monitoring.json ({ name, interval, rules: [{ alert, expression, for?, severity, labels, annotations }] }).')
param ruleGroups array

@description('Optional. Name of the Polaris PostgreSQL flexible server in this resource group, which the metric alerts watch; empty: none.')
param databaseServerName string = ''

@description('Optional. Metric alerts on the database server from env/<env>.monitoring.json ({ name, metricNamespace, metricName, aggregation, operator, threshold, windowSize, severity, description }).')
param metricAlerts array = []

/*** VARIABLES ***/

// Managed Grafana names are 2-23 letters, digits and hyphens, ending in a letter or digit;
// npm run deploy derives the same name (scripts/azure/monitoring.ts grafanaName).
var grafanaName = 'amg-${take(replace(namePrefix, '-', ''), 19)}'

/*** RESOURCES ***/

// The query endpoints of the workspace and Grafana stay public, behind Entra ID (Grafana has no
// API keys; the workspace answers only identities with Monitoring Data Reader), in every
// environment: with public access off, Grafana would need a managed private endpoint to the
// workspace, people a private endpoint to Grafana, and the deploy's dashboard import a runner
// in the VNet (learn.microsoft.com, "Use private endpoints for Managed Prometheus and Azure
// Monitor workspace"). That path is not built; docs/monitoring.md says so. The cluster's
// metrics reach the workspace through the data collection endpoint az aks update creates.
resource workspace 'Microsoft.Monitor/accounts@2025-10-03' = {
  name: 'amw-${namePrefix}'
  location: location
  tags: tags
  properties: {
    publicNetworkAccess: 'Enabled'
  }
}

resource grafana 'Microsoft.Dashboard/grafana@2025-08-01' = {
  name: grafanaName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    grafanaMajorVersion: '11'
    publicNetworkAccess: 'Enabled'
    // No API keys and no automatic admin for whoever deploys: access is the role assignments below.
    apiKey: 'Disabled'
    creatorCanAdmin: 'Disabled'
    deterministicOutboundIP: 'Disabled'
    zoneRedundancy: 'Disabled'
    grafanaIntegrations: {
      azureMonitorWorkspaceIntegrations: [
        {
          azureMonitorWorkspaceResourceId: workspace.id
        }
      ]
    }
  }
}

// Role assignments sit in a module that takes the principal ID, known only once Grafana
// exists: a recreated Grafana gets new assignments instead of RoleAssignmentUpdateNotPermitted.
#disable-next-line what-if-short-circuiting
module grafanaReadsWorkspace 'monitoring-role.bicep' = {
  name: '${take(deployment().name, 40)}-grafana-reader'
  params: {
    principalId: grafana.identity.principalId
    role: 'Monitoring Data Reader'
    workspaceName: workspace.name
    grafanaName: grafana.name
    environmentName: environmentName
  }
}

module grafanaAdminGroups 'monitoring-role.bicep' = [for group in grafanaAdmins: {
  name: '${take(deployment().name, 30)}-grafana-admin-${uniqueString(group)}'
  params: {
    principalId: group
    role: 'Grafana Admin'
    workspaceName: workspace.name
    grafanaName: grafana.name
    environmentName: environmentName
  }
}]

resource alerts 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: actionGroup.shortName
    enabled: true
    emailReceivers: [for (email, i) in actionGroup.emails: {
      name: 'email-${i}'
      emailAddress: email
      useCommonAlertSchema: true
    }]
  }
}

resource prometheusRuleGroups 'Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01' = [for group in ruleGroups: {
  name: 'prg-${namePrefix}-${group.name}'
  location: location
  tags: tags
  properties: {
    description: '${environmentName}: ${group.name} alerts, generated by synth (README, Runbooks)'
    enabled: true
    clusterName: clusterName
    scopes: [
      workspace.id
      clusterResourceId
    ]
    interval: group.interval
    rules: [for rule in group.rules: {
      alert: rule.alert
      expression: rule.expression
      for: rule.?for
      severity: rule.severity
      labels: rule.labels
      annotations: rule.annotations
      enabled: true
      actions: [
        {
          actionGroupId: alerts.id
        }
      ]
      resolveConfiguration: {
        autoResolved: true
        timeToResolve: 'PT10M'
      }
    }]
  }
}]

// Platform metrics of the server (Azure Monitor), for what Polaris's image does not publish.
resource databaseAlerts 'Microsoft.Insights/metricAlerts@2018-03-01' = [for alert in (empty(databaseServerName) ? [] : metricAlerts): {
  name: 'ma-${namePrefix}-${alert.name}'
  location: 'global'
  tags: tags
  properties: {
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [
      resourceId('Microsoft.DBforPostgreSQL/flexibleServers', databaseServerName)
    ]
    evaluationFrequency: 'PT1M'
    windowSize: alert.windowSize
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: alert.name
          metricNamespace: alert.metricNamespace
          metricName: alert.metricName
          timeAggregation: alert.aggregation
          operator: alert.operator
          threshold: alert.threshold
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: alerts.id
      }
    ]
  }
}]

/*** OUTPUTS ***/

@description('Resource ID of the Azure Monitor workspace (npm run deploy connects the cluster to it).')
output workspaceId string = workspace.id

@description('Name of the Managed Grafana instance (npm run deploy imports the dashboards into it).')
output grafanaName string = grafana.name
