// "SCIM provisioning" workbook on Application Insights: its queries use the provisioning record's fields
// (docs/troubleshooting.md), and a test checks them against the names the code emits.
param name string
param location string
param tags object
param applicationInsightsId string

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: name
  location: location
  tags: union(tags, { 'hidden-title': 'SCIM provisioning' })
  kind: 'shared'
  properties: {
    displayName: 'SCIM provisioning'
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: loadTextContent('workbook.json')
  }
}

output id string = workbook.id
