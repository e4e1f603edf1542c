// What bicep/main.bicep writes for one environment, as the fake az models it: resource IDs
// from the generated .bicepparam, the ledger and the deploy-time variables. A model, not a
// compiler: test/bicep.test.ts pins the template text these names follow.
const { readFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { dirname, join } = require('node:path');

const guid = (seed) => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** The parameters a deployment of main.bicep gets: the .bicepparam as synth writes it, and the deploy-time variables. */
function readDeployment(paramsFile, env, subscription, resourceGroup) {
  const text = readFileSync(paramsFile, 'utf8');
  const string = (name) => new RegExp(`^param ${name} = '([^']*)'`, 'm').exec(text)?.[1];
  const block = (name) => new RegExp(`^param ${name} = \\{\\n([\\s\\S]*?)\\n\\}`, 'm').exec(text)?.[1] ?? '';
  const field = (body, key) => new RegExp(`^\\s+${key}: (.*)$`, 'm').exec(body)?.[1];
  const list = (body, key) => {
    const m = new RegExp(`^\\s+${key}: \\[\\n([\\s\\S]*?)\\n\\s+\\]`, 'm').exec(body);
    return m ? [...m[1].matchAll(/'([^']*)'/g)].map((x) => x[1]) : [];
  };
  const network = block('network');
  const postgres = block('postgres');
  const protection = block('protection');
  const ledgerFile = /loadJsonContent\('([^']+)', '\$\.identities'\)/.exec(text)[1];
  const monitoringFile = /^param monitoring = loadJsonContent\('([^']+)', '\$\.azure'\)/m.exec(text)?.[1];
  return {
    subscription,
    resourceGroup,
    environmentName: string('environmentName'),
    namePrefix: string('namePrefix'),
    storageAccountName: string('storageAccountName'),
    keyVaultName: string('keyVaultName'),
    containerRegistryName: string('containerRegistryName'),
    aksEgressIps: list(network, 'aksEgressIps'),
    privateEndpoints: field(network, 'privateEndpointSubnetId') !== "''",
    postgres: field(postgres, 'enabled') === 'true' ? { storageGiB: Number(field(postgres, 'storageGiB')) } : null,
    deleteLock: field(protection, 'deleteLock') === 'true',
    keyVaultSoftDeleteDays: Number(field(protection, 'keyVaultSoftDeleteDays')),
    ledger: JSON.parse(readFileSync(join(dirname(paramsFile), ledgerFile), 'utf8')),
    monitoring: monitoringFile ? JSON.parse(readFileSync(join(dirname(paramsFile), monitoringFile), 'utf8')).azure : null,
    keyVaultRecover: env.LAKEHOUSE_KEY_VAULT_RECOVER === 'true',
    deployedStorageGiB: Number(env.LAKEHOUSE_POSTGRES_DEPLOYED_STORAGE_GIB ?? '0'),
    kubeletPrincipalId: env.LAKEHOUSE_KUBELET_PRINCIPAL_ID,
    kubeletAcrPullExists: env.LAKEHOUSE_KUBELET_ACRPULL_EXISTS === 'true',
  };
}

/** Resource ID -> what it is, for everything the template writes with these parameters. */
function templateResources(d) {
  const rg = `/subscriptions/${d.subscription}/resourceGroups/${d.resourceGroup}/providers`;
  const all = {};
  const add = (id, resource) => (all[id] = resource);
  const assign = (scope, principal, role) => add(`${scope}/providers/Microsoft.Authorization/roleAssignments/${guid(`${scope} ${principal} ${role}`)}`, { type: 'Microsoft.Authorization/roleAssignments', scope, principal, role });
  const lock = (scope) => d.deleteLock && add(`${scope}/providers/Microsoft.Authorization/locks/${scope.split('/').pop()}-cannot-delete`, { type: 'Microsoft.Authorization/locks', scope });

  const account = `${rg}/Microsoft.Storage/storageAccounts/${d.storageAccountName}`;
  add(account, { type: 'Microsoft.Storage/storageAccounts' });
  lock(account);
  for (const c of d.ledger.containers) add(`${account}/blobServices/default/containers/${c}`, { type: 'Microsoft.Storage/storageAccounts/blobServices/containers' });
  const vault = `${rg}/Microsoft.KeyVault/vaults/${d.keyVaultName}`;
  add(vault, { type: 'Microsoft.KeyVault/vaults' });
  lock(vault);
  const registry = `${rg}/Microsoft.ContainerRegistry/registries/${d.containerRegistryName}`;
  add(registry, { type: 'Microsoft.ContainerRegistry/registries' });
  lock(registry);
  if (!d.kubeletAcrPullExists) assign(registry, d.kubeletPrincipalId, 'AcrPull');
  let server = null;
  if (d.postgres) {
    const id = `${rg}/Microsoft.DBforPostgreSQL/flexibleServers/psql-${d.namePrefix}`;
    // storageSizeGB: max(settings.storageGiB, deployedStorageGiB) (modules/postgres.bicep)
    server = { id, storageGiB: Math.max(d.postgres.storageGiB, d.deployedStorageGiB) };
    add(id, { type: 'Microsoft.DBforPostgreSQL/flexibleServers' });
    lock(id);
    add(`${id}/databases/polaris`, { type: 'Microsoft.DBforPostgreSQL/flexibleServers/databases' });
    if (!d.privateEndpoints) for (const ip of d.aksEgressIps) add(`${id}/firewallRules/aks-egress-${ip.replace(/\./g, '-')}`, { type: 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules', address: ip });
  }
  for (const identity of d.ledger.identities) {
    const id = `${rg}/Microsoft.ManagedIdentity/userAssignedIdentities/id-${d.namePrefix}-${identity.name}`;
    add(id, { type: 'Microsoft.ManagedIdentity/userAssignedIdentities' });
    for (const s of identity.subjects) add(`${id}/federatedIdentityCredentials/${s.credentialName}`, { type: 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials', subject: `system:serviceaccount:${s.namespace}:${s.serviceAccount}` });
    for (const g of identity.storage) assign(`${account}/blobServices/default/containers/${g.container}`, identity.name, g.role);
    for (const g of identity.storageAccount) assign(account, identity.name, g.role);
    for (const g of identity.keyVault) assign(vault, identity.name, g.role);
    for (const g of identity.keyVaultSecrets ?? []) assign(`${vault}/secrets/${g.secret}`, identity.name, g.role);
  }
  if (d.monitoring) {
    // modules/monitoring.bicep: workspace, Grafana (its identity reads the workspace), admins, action group, rule groups.
    const workspace = `${rg}/Microsoft.Monitor/accounts/amw-${d.namePrefix}`;
    const grafana = `${rg}/Microsoft.Dashboard/grafana/amg-${d.namePrefix.replace(/-/g, '').slice(0, 19)}`;
    add(workspace, { type: 'Microsoft.Monitor/accounts' });
    add(grafana, { type: 'Microsoft.Dashboard/grafana' });
    assign(workspace, `grafana ${grafana}`, 'Monitoring Data Reader');
    for (const group of d.monitoring.grafanaAdmins) assign(grafana, group, 'Grafana Admin');
    add(`${rg}/Microsoft.Insights/actionGroups/ag-${d.namePrefix}`, { type: 'Microsoft.Insights/actionGroups' });
    if (d.postgres && d.monitoring.databaseServerName) for (const a of d.monitoring.metricAlerts) add(`${rg}/Microsoft.Insights/metricAlerts/ma-${d.namePrefix}-${a.name}`, { type: 'Microsoft.Insights/metricAlerts', scope: `${rg}/Microsoft.DBforPostgreSQL/flexibleServers/${d.monitoring.databaseServerName}` });
    for (const g of d.monitoring.ruleGroups) add(`${rg}/Microsoft.AlertsManagement/prometheusRuleGroups/prg-${d.namePrefix}-${g.name}`, { type: 'Microsoft.AlertsManagement/prometheusRuleGroups' });
  }
  return { all, vault: { [vault]: {} }, server };
}

module.exports = { guid, readDeployment, templateResources };
