metadata description = 'Types and tables shared by main.bicep and its modules. The ledger that synth writes to env/<env>.workloads.json has these shapes.'

// Written for pycep-parser 0.7.1 (the parser checkov uses, and the only one that runs here):
// it cannot parse decorators on type properties, array types inside type bodies or literal
// unions inline, so element types are named in descriptions and unions are named types.

// =============== //
//   Definitions   //
// =============== //

@export()
@description('Built-in storage data roles the ledger may grant on a container.')
type storageDataRoleType = 'Storage Blob Data Reader' | 'Storage Blob Data Contributor'

@export()
@description('Built-in roles the ledger may grant on the storage account itself.')
type storageAccountRoleType = 'Storage Blob Delegator'

@export()
@description('Built-in roles the ledger may grant on the Key Vault.')
type keyVaultRoleType = 'Key Vault Secrets User' | 'Key Vault Secrets Officer'

@export()
@description('A Kubernetes service account federated to an identity: system:serviceaccount:<namespace>:<serviceAccount>. credentialName is the federated credential name synth derived: at most 120 characters, unique per subject.')
type subjectType = {
  namespace: string
  serviceAccount: string
  credentialName: string
}

@export()
@description('A data role on one blob container.')
type containerGrantType = {
  container: string
  role: storageDataRoleType
}

@export()
@description('A role on the storage account.')
type storageAccountGrantType = {
  role: storageAccountRoleType
}

@export()
@description('A role on the Key Vault.')
type keyVaultGrantType = {
  role: keyVaultRoleType
}

@export()
@description('A role on one Key Vault secret (Key Vault RBAC accepts a secret as scope); the secret exists before the stack runs (npm run deploy writes missing ones through secrets.bicep).')
type keyVaultSecretGrantType = {
  secret: string
  role: keyVaultRoleType
}

@export()
@description('One identity of the ledger: subjects is subjectType[], storage containerGrantType[], storageAccount storageAccountGrantType[], keyVault keyVaultGrantType[] (the whole vault), keyVaultSecrets keyVaultSecretGrantType[] (single secrets); locations documents what the charts render and is not deployed.')
type identityType = {
  name: string
  subjects: array
  storage: array
  storageAccount: array
  keyVault: array
  keyVaultSecrets: array
  locations: array
}

@export()
type publicNetworkAccessType = 'Enabled' | 'Disabled'

@export()
@description('Network paths to the storage account, Key Vault and registry. allowedIpRanges is string[] of public IPv4 addresses or CIDR ranges (operators); aksEgressIps is string[] of the public addresses AKS egresses from (the PostgreSQL firewall); aksSubnetIds is string[] of AKS node subnets allowed through the firewalls by VNet rules (their service endpoints Microsoft.Storage and Microsoft.KeyVault must be on); privateEndpointSubnetId is empty for no private endpoints; privateDnsZoneResourceGroupId names the resource group of existing privatelink zones, empty to create them here and link them to virtualNetworkId.')
type networkType = {
  publicNetworkAccess: publicNetworkAccessType
  allowedIpRanges: array
  aksSubnetIds: array
  privateEndpointSubnetId: string
  privateDnsZoneResourceGroupId: string
  virtualNetworkId: string
  aksEgressIps: array
}

@export()
type postgresTierType = 'Burstable' | 'GeneralPurpose' | 'MemoryOptimized'

@export()
type postgresVersionType = '16' | '17'

@export()
@description('The PostgreSQL flexible server of Polaris; enabled when the environment deploys Polaris. aksEgressIps of networkType are its firewall rules without private endpoints.')
type postgresType = {
  enabled: bool
  administratorLogin: string
  databaseName: string
  sku: string
  tier: postgresTierType
  version: postgresVersionType
  storageGiB: int
  backupRetentionDays: int
  geoRedundantBackup: bool
  zoneRedundantHa: bool
}

@export()
@description('Retention and locks of an environment.')
type protectionType = {
  deleteLock: bool
  blobSoftDeleteDays: int
  containerSoftDeleteDays: int
  keyVaultSoftDeleteDays: int
}

@export()
@description('What the deployment reports for one identity; the deploy script turns the list into the identities map of environments/<env>.azure.json.')
type identityOutputType = {
  name: string
  clientId: string
  principalId: string
}

// ============ //
//   Tables     //
// ============ //

@export()
@description('Role definition GUIDs by built-in role name (Azure built-in roles reference; same table as charts/lib/roles.ts, a test keeps them equal).')
var builtInRoles = {
  // Read and list blobs.
  'Storage Blob Data Reader': '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  // Read, write and delete blobs.
  'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  // Get a user delegation key, an account-level action, to sign user delegation SAS.
  'Storage Blob Delegator': 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
  // Read secret contents.
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6'
  // Read and write secrets: the Polaris catalog creator stores consumer credentials, on those secrets only.
  'Key Vault Secrets Officer': 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  // Pull images: the AKS kubelet identity on the container registry.
  AcrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  // Read the Prometheus metrics of an Azure Monitor workspace: Managed Grafana's identity.
  'Monitoring Data Reader': 'b0d8363b-8ddd-447d-831f-62ca05bff136'
  // Administer a Managed Grafana instance: the environment's Grafana admin groups.
  'Grafana Admin': '22926164-76b3-42b3-bc55-97df8dab3e41'
}

@export()
@description('Audience of Azure Workload Identity federated tokens.')
var workloadIdentityAudience = 'api://AzureADTokenExchange'
