// One Linux App Service runs the api, the bot endpoint and the tab; Azure Bot Service points Teams at it.
// Scale-out: set mongodbUri (Cosmos DB for MongoDB or Atlas) and raise the instance count.
@maxLength(20)
@minLength(4)
param resourceBaseName string
param botAadAppClientId string
@secure()
param botAadAppClientSecret string
param teamsAppClientId string
param teamsAppTenantId string
@secure()
@description('Comma-separated keyId:base64key AES-256 keys for secrets at rest')
param secretKeys string
@secure()
@description('Empty: SQLite on the App Service file share (one instance only)')
param mongodbUri string = ''
param webAppSku string = 'B1'
param location string = resourceGroup().location

var serverfarmsName = resourceBaseName
var webAppName = resourceBaseName
var botDisplayName = resourceBaseName

resource serverfarm 'Microsoft.Web/serverfarms@2022-09-01' = {
  kind: 'linux'
  location: location
  name: serverfarmsName
  sku: { name: webAppSku }
  properties: { reserved: true }
}

resource webApp 'Microsoft.Web/sites@2022-09-01' = {
  kind: 'app,linux'
  location: location
  name: webAppName
  properties: {
    serverFarmId: serverfarm.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'NODE|20-lts'
      alwaysOn: true
      ftpsState: 'Disabled'
      appCommandLine: 'npm run serve'
      appSettings: [
        { name: 'ARCHIVER_MODE', value: 'production' }
        { name: 'HOST', value: '0.0.0.0' }
        { name: 'PORT', value: '8080' }
        { name: 'PUBLIC_URL', value: 'https://${webAppName}.azurewebsites.net' }
        { name: 'DATA_DIR', value: '/home/data' }
        { name: 'SECRET_KEYS', value: secretKeys }
        { name: 'MONGODB_URI', value: mongodbUri }
        { name: 'TEAMS_APP_CLIENT_ID', value: teamsAppClientId }
        { name: 'TEAMS_APP_TENANT_ID', value: teamsAppTenantId }
        { name: 'BOT_ID', value: botAadAppClientId }
        { name: 'BOT_PASSWORD', value: botAadAppClientSecret }
        { name: 'BOT_TENANT_ID', value: teamsAppTenantId }
        { name: 'WEBSITE_RUN_FROM_PACKAGE', value: '1' }
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'false' }
      ]
    }
  }
}

resource botService 'Microsoft.BotService/botServices@2022-09-15' = {
  kind: 'azurebot'
  location: 'global'
  name: resourceBaseName
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    msaAppId: botAadAppClientId
    msaAppType: 'SingleTenant'
    msaAppTenantId: teamsAppTenantId
  }
  sku: { name: 'F0' }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: botService
  location: 'global'
  name: 'MsTeamsChannel'
  properties: { channelName: 'MsTeamsChannel' }
}

output APP_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output TAB_DOMAIN string = webApp.properties.defaultHostName
output TAB_ENDPOINT string = 'https://${webApp.properties.defaultHostName}'
output BOT_DOMAIN string = webApp.properties.defaultHostName
