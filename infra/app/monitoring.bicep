// Log Analytics and Application Insights with local (key) authentication disabled: telemetry is accepted only from
// Entra ID identities, here the app's managed identity with Monitoring Metrics Publisher.
param workspaceName string
param applicationInsightsName string
param location string
param tags object

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
    features: {
      disableLocalAuth: true
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
    IngestionMode: 'LogAnalytics'
  }
}

// The mass-change guard's record (EventId 1005, docs/troubleshooting.md): one alert per occurrence, evaluated every
// 5 minutes over the last 15. Add an action group to notify people; without one the alert shows in the portal.
resource massChangeAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'scim-mass-change-${applicationInsightsName}'
  location: location
  tags: tags
  properties: {
    displayName: 'SCIM: mass deactivation or deletion in an organization'
    description: 'More users deactivated or deleted within the window than the organization\'s thresholds allow: check the identity provider\'s scoping; scim-admin org undo-window reverses it.'
    severity: 1
    enabled: true
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    scopes: [applicationInsights.id]
    criteria: {
      allOf: [
        {
          query: 'traces | where isnotempty(customDimensions.Changed) and isnotempty(customDimensions.Population) | extend Org = tostring(customDimensions.OrganizationId)'
          timeAggregation: 'Count'
          dimensions: [
            {
              name: 'Org'
              operator: 'Include'
              values: ['*']
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
  }
}

output applicationInsightsName string = applicationInsights.name
output applicationInsightsId string = applicationInsights.id
output applicationInsightsConnectionString string = applicationInsights.properties.ConnectionString
