// ScimFunctions on Azure: a Flex Consumption function app with one user-assigned identity, identity-based access
// to Table Storage (users, groups), Key Vault (token hashes) and Application Insights (provisioning logs), and a
// workbook that shows provisioning at a glance. Deployed by `azd up`.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names and tags derive from it.')
param environmentName string

@minLength(1)
@description('Region of every resource; a region with Flex Consumption.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the deploying principal (azd sets it): it gets the roles the admin CLI needs.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
@description('Kind of the deploying principal: ServicePrincipal when a pipeline deploys.')
param principalType string = 'User'

@description('Key Vault purge protection: on for production; off lets `azd down --purge` remove the vault.')
param enablePurgeProtection bool = false

@minValue(1)
@maxValue(1000)
@description('Most instances the app scales out to.')
param maximumInstanceCount int = 40

@description('Seconds a valid token is trusted without asking Key Vault (the revocation delay).')
param tokenCacheSeconds int = 60

@description('Public SCIM base URL, when the app is behind a custom domain or proxy; empty to take it from requests.')
param scimBaseUrl string = ''

@description('Log a SHA-256 of userName instead of the userName itself.')
param hashUserNamesInLogs bool = false

@description('Until when (UTC, ISO 8601) tokens issued before tokens carried a tag keep working; empty for no end date yet.')
param legacyTokensUntil string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}scim-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
var tableName = 'scim'
var eventQueueName = 'scim-events'

resource resourceGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: resourceGroup
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}scim-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: resourceGroup
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    tableName: tableName
    eventQueueName: eventQueueName
  }
}

module vault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: resourceGroup
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    enablePurgeProtection: enablePurgeProtection
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: resourceGroup
  params: {
    workspaceName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: resourceGroup
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    eventQueueName: eventQueueName
    deploymentContainerName: deploymentContainerName
    tableName: tableName
    vaultUri: vault.outputs.uri
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    maximumInstanceCount: maximumInstanceCount
    tokenCacheSeconds: tokenCacheSeconds
    scimBaseUrl: scimBaseUrl
    hashUserNamesInLogs: hashUserNamesInLogs
    legacyTokensUntil: legacyTokensUntil
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: resourceGroup
  params: {
    storageAccountName: storage.outputs.name
    vaultName: vault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    identityPrincipalId: identity.outputs.principalId
    principalId: principalId
    principalType: principalType
  }
}

module workbook 'app/workbook.bicep' = {
  name: 'workbook'
  scope: resourceGroup
  params: {
    name: guid(subscription().id, environmentName, 'scim-provisioning-workbook')
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = 'https://${api.outputs.defaultHostname}'
output SCIM_BASE_URL string = empty(scimBaseUrl) ? 'https://${api.outputs.defaultHostname}/api/sch/scim/v2' : scimBaseUrl
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = vault.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output SCIM_TABLE_NAME string = tableName
output AZURE_CLIENT_ID string = identity.outputs.clientId
output SCIM_WORKBOOK_ID string = workbook.outputs.id
