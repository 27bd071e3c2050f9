// The function app on a Flex Consumption (FC1) plan: .NET 10 isolated, deployed from a blob container with the
// managed identity, HTTPS only, TLS 1.2, no FTP or basic publishing credentials, and every setting the code reads.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param blobEndpoint string
param tableEndpoint string
param queueEndpoint string
param eventQueueName string
param deploymentContainerName string
param tableName string
param vaultUri string
param applicationInsightsConnectionString string
param maximumInstanceCount int
param tokenCacheSeconds int
param scimBaseUrl string
param hashUserNamesInLogs bool
param legacyTokensUntil string

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      // No ftpsState: Flex Consumption rejects the property (error 51021) and has no FTP endpoint; the
      // basicPublishingCredentialsPolicies below keep FTP and SCM basic authentication off.
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  resource ftp 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: { allow: false }
  }

  resource scm 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: { allow: false }
  }

  // Identity-based connections only: no connection string or key anywhere. local.settings.sample.json lists the
  // same names; the infrastructure test checks that every one of them is set here (or why it is not).
  resource appSettings 'config' = {
    name: 'appsettings'
    properties: {
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      AzureWebJobsStorage__blobServiceUri: blobEndpoint
      AzureWebJobsStorage__tableServiceUri: tableEndpoint
      AZURE_CLIENT_ID: identityClientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      Scim__Storage__TableServiceUri: tableEndpoint
      Scim__Events__QueueServiceUri: queueEndpoint
      Scim__Events__QueueName: eventQueueName
      Scim__Events__SweepSeconds: '60'
      Scim__Storage__TableName: tableName
      Scim__Storage__CreateTableIfMissing: 'false'
      Scim__Storage__NetworkTimeoutSeconds: '5'
      Scim__Storage__MaxRetries: '2'
      Scim__KeyVault__VaultUri: vaultUri
      Scim__Tokens__CacheSeconds: string(tokenCacheSeconds)
      Scim__Tokens__NegativeCacheSeconds: '60'
      Scim__Tokens__MaxStaleSeconds: '900'
      Scim__Tokens__LegacyTokensUntil: legacyTokensUntil
      Scim__Tokens__RefreshWaitMilliseconds: '250'
      Scim__Tokens__KeysRefreshSeconds: '300'
      Scim__OAuth__AccessTokenSeconds: '3600'
      Scim__OAuth__MetadataAddressTemplate: '{issuer}/.well-known/openid-configuration'
      Scim__OAuth__RequireHttpsMetadata: 'true'
      Scim__OAuth__MaxAssertionLifetimeSeconds: '3600'
      Scim__Provisioning__MaxResults: '1000'
      Scim__Provisioning__DefaultPageSize: '100'
      Scim__Provisioning__MaxWriteAttempts: '64'
      Scim__Provisioning__MaxIndexedEmails: '20'
      Scim__Provisioning__MembershipTimeLimitSeconds: '45'
      Scim__Provisioning__DeletedRetentionDays: '30'
      Scim__Provisioning__JournalRetentionDays: '30'
      Scim__RateLimit__RequestsPerSecond: '200'
      Scim__RateLimit__Burst: '400'
      Scim__BaseUrl: scimBaseUrl
      Scim__MaxRequestBytes: '1048576'
      Scim__RequestTimeoutSeconds: '10'
      Scim__RetryAfterSeconds: '5'
      Scim__HashUserNamesInLogs: string(hashUserNamesInLogs)
    }
  }
}

output name string = site.name
output defaultHostname string = site.properties.defaultHostName
