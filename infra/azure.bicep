// Azure resources of the Teams Recording Archiver for Kaltura (docs/deploy.md).
//
// - An App Service plan (Linux) with one web app (ROLE=all), or a web app (ROLE=web) plus a worker app
//   (ROLE=worker) when appLayout is 'web-and-worker'. Node 24 LTS, HTTPS only, system-assigned identity,
//   health check on /healthz. The worker takes no public traffic (access restrictions deny everything).
// - An Azure Bot (single-tenant Entra app, or a user-assigned managed identity) with the Teams channel,
//   whose messaging endpoint is the web app's /api/messages.
// - A Key Vault holding the encryption keys (SECRET_KEYS), the bot's client secret and the MongoDB
//   connection string; the apps read them through Key Vault references.
// - Azure Cosmos DB for MongoDB (serverless), an existing MongoDB (mongodbUri), or SQLite on one app.
// - Application Insights on a Log Analytics workspace, which also receives the apps' console logs.
//
// Deployed by `teamsapp provision` (arm/deploy, parameters from infra/azure.parameters.json) or by
// `az deployment group create -f infra/azure.bicep -p @infra/azure.parameters.azcli.json -p …`.
// Written for the Bicep CLI the Toolkit pins (v0.9.1): multi-line arrays and objects only.

@description('Up to 10 lowercase letters or digits put in every resource name; empty: derived from the resource group id.')
@maxLength(10)
param resourceSuffix string = ''

param location string = resourceGroup().location

@description('single: one web app runs everything (ROLE=all). web-and-worker: a web app (ROLE=web) plus a worker app (ROLE=worker); needs MongoDB.')
@allowed([
  'single'
  'web-and-worker'
])
param appLayout string = 'single'

@description('auto: mongodbUri when given, else a new Cosmos DB for MongoDB. cosmos | uri (mongodbUri) | sqlite (one app, one instance, on the app\'s /home share).')
@allowed([
  'auto'
  'cosmos'
  'uri'
  'sqlite'
])
param database string = 'auto'

@secure()
@description('An existing MongoDB (Atlas, Cosmos DB, a replica set): stored in Key Vault. Empty on a re-deploy keeps the stored one.')
param mongodbUri string = ''

@description('rbac: the apps get the Key Vault Secrets User role (the deployer needs rights to assign roles). accessPolicy: a vault access policy (Contributor is enough).')
@allowed([
  'rbac'
  'accessPolicy'
])
param keyVaultAccess string = 'rbac'

@description('The Teams app\'s Entra client id (TEAMS_APP_CLIENT_ID): the audience of the tab\'s SSO tokens.')
param teamsAppClientId string

@description('Tenant whose admins may use the console (TEAMS_APP_TENANT_ID).')
param teamsAppTenantId string

@description('The app package\'s manifest id (TEAMS_APP_ID); may be empty.')
param teamsAppId string = ''

@description('SingleTenant: the bot is an Entra app with a client secret (botAadAppClientId, botAadAppClientSecret). UserAssignedMsi: the bot is a managed identity this template creates; no secret.')
@allowed([
  'SingleTenant'
  'UserAssignedMsi'
])
param botType string = 'SingleTenant'

@description('The bot\'s Entra app client id (BOT_ID), for botType SingleTenant.')
param botAadAppClientId string = ''

@secure()
@description('The bot\'s client secret (BOT_PASSWORD), for botType SingleTenant: stored in Key Vault. Empty on a re-deploy keeps the stored one.')
param botAadAppClientSecret string = ''

@description('Tenant of the bot\'s Entra app; empty: teamsAppTenantId.')
param botTenantId string = ''

@secure()
@description('SECRET_KEYS: comma-separated keyId:base64key AES-256 keys for secrets at rest, stored in Key Vault. Give it on the first deployment; empty on a re-deploy keeps the stored keys. Never replace it: add a new key in front.')
param secretKeys string = ''

@description('App Service plan SKU (B1 and up: Always On and health check).')
param appServicePlanSku string = 'B1'

@description('Instances of the plan (each app runs on every instance). Forced to 1 with database sqlite.')
@minValue(1)
@maxValue(10)
param instanceCount int = 1

@description('Azure Bot SKU: F0 (free) or S1.')
param botSku string = 'F0'

@description('Display name of the Azure Bot.')
param botDisplayName string = 'Recording Archiver'

var suffix = toLower(empty(resourceSuffix) ? take(uniqueString(resourceGroup().id), 8) : resourceSuffix)
var baseName = 'archiver-${suffix}'
var planName = 'plan-${baseName}'
var webAppName = baseName
var workerAppName = '${baseName}-worker'
var keyVaultName = 'kv-${baseName}'
var cosmosName = 'cosmos-${baseName}'
var botName = 'bot-${baseName}'
var botIdentityName = 'id-bot-${baseName}'
var workspaceName = 'log-${baseName}'
var appInsightsName = 'appi-${baseName}'
var mongoDbName = 'archiver'

var useSqlite = database == 'sqlite'
var useUri = database == 'uri' || (database == 'auto' && !empty(mongodbUri))
var useCosmos = database == 'cosmos' || (database == 'auto' && empty(mongodbUri))
var separateWorker = appLayout == 'web-and-worker' && !useSqlite
var botUsesMsi = botType == 'UserAssignedMsi'
var keyVaultRbac = keyVaultAccess == 'rbac'
var effectiveBotTenantId = empty(botTenantId) ? teamsAppTenantId : botTenantId
// Built-in role 'Key Vault Secrets User': read secret contents.
var keyVaultSecretsUserRoleId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')

resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: workspaceName
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
  }
}

resource botIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = if (botUsesMsi) {
  name: botIdentityName
  location: location
}

var appIdentity = botUsesMsi ? {
  type: 'SystemAssigned, UserAssigned'
  userAssignedIdentities: {
    '${botIdentity.id}': {}
  }
} : {
  type: 'SystemAssigned'
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  kind: 'linux'
  sku: {
    name: appServicePlanSku
    capacity: useSqlite ? 1 : instanceCount
  }
  properties: {
    reserved: true
  }
}

// What both apps run: Node 24 LTS, `npm run serve` (package.json), built on deployment by Oryx with
// production dependencies only (better-sqlite3's native module is built for the app's Linux).
var siteConfigCommon = {
  linuxFxVersion: 'NODE|24-lts'
  appCommandLine: 'npm run serve'
  alwaysOn: true
  healthCheckPath: '/healthz'
  ftpsState: 'Disabled'
  minTlsVersion: '1.2'
  http20Enabled: true
}

resource webApp 'Microsoft.Web/sites@2024-11-01' = {
  name: webAppName
  location: location
  kind: 'app,linux'
  identity: appIdentity
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    siteConfig: siteConfigCommon
  }
}

// The worker runs jobs and schedulers; nothing outside reaches it. App Service's health check probes
// /healthz from inside the platform; deployments (the scm site) stay reachable.
resource workerApp 'Microsoft.Web/sites@2024-11-01' = if (separateWorker) {
  name: workerAppName
  location: location
  kind: 'app,linux'
  identity: appIdentity
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    siteConfig: union(siteConfigCommon, {
      ipSecurityRestrictionsDefaultAction: 'Deny'
      scmIpSecurityRestrictionsUseMain: false
      scmIpSecurityRestrictionsDefaultAction: 'Allow'
    })
  }
}

var webAccessPolicy = {
  tenantId: subscription().tenantId
  objectId: webApp.identity.principalId
  permissions: {
    secrets: [
      'get'
    ]
  }
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: keyVaultRbac
    accessPolicies: keyVaultRbac ? [] : concat([
      webAccessPolicy
    ], separateWorker ? [
      {
        tenantId: subscription().tenantId
        objectId: workerApp.identity.principalId
        permissions: {
          secrets: [
            'get'
          ]
        }
      }
    ] : [])
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource webSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (keyVaultRbac) {
  scope: keyVault
  name: guid(keyVault.id, webApp.id, keyVaultSecretsUserRoleId)
  properties: {
    roleDefinitionId: keyVaultSecretsUserRoleId
    principalId: webApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource workerSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (keyVaultRbac && separateWorker) {
  scope: keyVault
  name: guid(keyVault.id, workerApp.id, keyVaultSecretsUserRoleId)
  properties: {
    roleDefinitionId: keyVaultSecretsUserRoleId
    principalId: workerApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = if (useCosmos) {
  name: cosmosName
  location: location
  kind: 'MongoDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    apiProperties: {
      serverVersion: '6.0'
    }
    capabilities: [
      {
        name: 'EnableMongo'
      }
      {
        name: 'EnableServerless'
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
  }
}

resource cosmosDatabase 'Microsoft.DocumentDB/databaseAccounts/mongodbDatabases@2024-05-15' = if (useCosmos) {
  parent: cosmos
  name: mongoDbName
  properties: {
    resource: {
      id: mongoDbName
    }
  }
}

// Secrets are written only when a value is given, so a re-deploy without one keeps what is stored.
resource secretKeysSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(secretKeys)) {
  parent: keyVault
  name: 'secret-keys'
  properties: {
    value: secretKeys
    contentType: 'SECRET_KEYS: keyId:base64key[,…]'
  }
}

resource botPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!botUsesMsi && !empty(botAadAppClientSecret)) {
  parent: keyVault
  name: 'bot-password'
  properties: {
    value: botAadAppClientSecret
    contentType: 'BOT_PASSWORD'
  }
}

resource mongodbUriSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (useCosmos || (useUri && !empty(mongodbUri))) {
  parent: keyVault
  name: 'mongodb-uri'
  properties: {
    value: useCosmos ? cosmos.listConnectionStrings().connectionStrings[0].connectionString : mongodbUri
    contentType: 'MONGODB_URI'
  }
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: botName
  location: 'global'
  kind: 'azurebot'
  sku: {
    name: botSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    msaAppId: botUsesMsi ? botIdentity.properties.clientId : botAadAppClientId
    msaAppType: botUsesMsi ? 'UserAssignedMSI' : 'SingleTenant'
    msaAppTenantId: botUsesMsi ? botIdentity.properties.tenantId : effectiveBotTenantId
    msaAppMSIResourceId: botUsesMsi ? botIdentity.id : null
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

var publicUrl = 'https://${webApp.properties.defaultHostName}'
var secretUriBase = '${keyVault.properties.vaultUri}secrets'

// The settings api/src/config.ts reads (README.md, Configuration). Secrets are Key Vault references,
// resolved by each app's system-assigned identity. The worker's PUBLIC_URL is the web app's: Graph
// subscriptions it renews point at the web app.
var appSettingsCommon = union({
  ARCHIVER_MODE: 'production'
  HOST: '0.0.0.0'
  PORT: '8080'
  PUBLIC_URL: publicUrl
  DATA_DIR: '/home/data'
  SECRET_KEYS: '@Microsoft.KeyVault(SecretUri=${secretUriBase}/secret-keys/)'
  TEAMS_APP_CLIENT_ID: teamsAppClientId
  TEAMS_APP_TENANT_ID: teamsAppTenantId
  TEAMS_APP_ID: teamsAppId
  BOT_ID: botUsesMsi ? botIdentity.properties.clientId : botAadAppClientId
  BOT_TYPE: botType
  BOT_TENANT_ID: botUsesMsi ? botIdentity.properties.tenantId : effectiveBotTenantId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  ApplicationInsightsAgent_EXTENSION_VERSION: '~3'
  SCM_DO_BUILD_DURING_DEPLOYMENT: 'true'
  ENABLE_ORYX_BUILD: 'true'
  CUSTOM_BUILD_COMMAND: 'npm ci --omit=dev'
}, botUsesMsi ? {} : {
  BOT_PASSWORD: '@Microsoft.KeyVault(SecretUri=${secretUriBase}/bot-password/)'
}, useSqlite ? {} : {
  MONGODB_URI: '@Microsoft.KeyVault(SecretUri=${secretUriBase}/mongodb-uri/)'
  MONGODB_DB: mongoDbName
})

resource webAppSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: webApp
  name: 'appsettings'
  properties: union(appSettingsCommon, {
    ROLE: separateWorker ? 'web' : 'all'
  })
  dependsOn: [
    webSecretsUser
    secretKeysSecret
    botPasswordSecret
    mongodbUriSecret
    cosmosDatabase
  ]
}

resource workerAppSettings 'Microsoft.Web/sites/config@2024-11-01' = if (separateWorker) {
  parent: workerApp
  name: 'appsettings'
  properties: union(appSettingsCommon, {
    ROLE: 'worker'
  })
  dependsOn: [
    workerSecretsUser
    secretKeysSecret
    botPasswordSecret
    mongodbUriSecret
    cosmosDatabase
  ]
}

var logCategories = [
  'AppServiceConsoleLogs'
  'AppServiceHTTPLogs'
  'AppServicePlatformLogs'
]

resource webAppLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: webApp
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspace.id
    logs: [for category in logCategories: {
      category: category
      enabled: true
    }]
  }
}

resource workerAppLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (separateWorker) {
  scope: workerApp
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspace.id
    logs: [for category in logCategories: {
      category: category
      enabled: true
    }]
  }
}

// Read by teamsapp.yml (deploy) and written into env/.env.<env> by the Toolkit.
output APP_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
// The worker app; the web app itself in the single layout (the deploy step then deploys it twice).
output WORKER_AZURE_APP_SERVICE_RESOURCE_ID string = separateWorker ? workerApp.id : webApp.id
output TAB_DOMAIN string = webApp.properties.defaultHostName
output TAB_ENDPOINT string = publicUrl
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ENDPOINT string = publicUrl
output KEY_VAULT_NAME string = keyVault.name
// The bot's Microsoft App ID: the Entra app's, or the managed identity's client id (botType UserAssignedMsi).
output BOT_ID string = botUsesMsi ? botIdentity.properties.clientId : botAadAppClientId
output APP_STORE string = useSqlite ? 'sqlite' : (useCosmos ? 'cosmos' : 'mongodb-uri')
