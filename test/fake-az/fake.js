// A stand-in for the Azure CLI in tests: records each call as a JSON line in $FAKE_AZ_LOG and
// answers like az would. It keeps what Azure keeps between runs in $FAKE_AZ_STATE (JSON):
// resource groups, the resources each deployment or stack wrote, the deployment stacks and
// what they manage, Key Vault secrets, the PostgreSQL server (its password and disk size) and
// soft-deleted vaults. So a second run sees the first one's result, and the fake refuses what
// Azure refuses:
// - a deployment, stack, stack what-if or deployment what-if into a resource group that does
//   not exist (ResourceGroupNotFound);
// - data-plane Key Vault calls (`az keyvault secret ...`) from the deployer, who holds no
//   data-plane role (403), unless FAKE_AZ_DATA_PLANE=1;
// - creating a server without a password; a smaller disk than the server has
//   (UpsertServerManagementOperationDowngradeDiskSizeUnsupported);
// - creating a vault whose name a soft-deleted vault holds, unless it is recovered.
// An incremental deployment only adds; a stack with --action-on-unmanage deleteResources
// deletes what it managed and its template no longer has. What a template writes is modelled
// from the .bicepparam and the ledger (resources.js), not compiled: see README.
// The deployment's outputs follow the template: every output bicep/main.bicep declares, each
// with the type it declares.
// Knobs: FAKE_AZ_LOGGED_OUT=1, FAKE_AZ_TENANT, FAKE_AZ_FAIL=validate|create (the stack step
// fails), FAKE_AZ_BICEP (version, or `missing`), FAKE_AZ_AKS=no-oidc|missing,
// FAKE_AZ_ATTACHED_ACR=1, FAKE_AZ_ARM_FORBIDDEN=1 (control-plane reads answer 403),
// FAKE_AZ_NO_AMG=1 (the Azure CLI extension amg, which has `az grafana`, is not installed),
// FAKE_AZ_GRAFANA_FORBIDDEN=1 (the deployer holds no Grafana role: dashboard writes answer 403).
// Monitoring: `az aks update --enable-azure-monitor-metrics` needs the workspace to exist and
// is remembered per cluster; dashboards are kept per Grafana by uid, and a uid already there
// is refused without --overwrite true (Grafana's 412).
const { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { isAbsolute } = require('node:path');
const { guid, readDeployment, templateResources } = require('./resources.js');

class Exit {
  constructor(status, stderr) {
    this.status = status;
    this.stderr = stderr;
  }
}

/** Runs one az command line: { status, stdout, stderr }, as the process would end. */
function fakeAz(args, env) {
  const out = [];
  try {
    if (env.FAKE_AZ_LOG) {
      const variables = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('LAKEHOUSE_') && k !== 'LAKEHOUSE_ROOT' && k !== 'LAKEHOUSE_ENTRY'));
      appendFileSync(env.FAKE_AZ_LOG, `${JSON.stringify(args)}\n`);
      if (Object.keys(variables).length) appendFileSync(`${env.FAKE_AZ_LOG}.env`, `${JSON.stringify({ args: args.slice(0, 3), variables })}\n`);
    }
    const is = (...words) => words.every((w, i) => args[i] === w);
    const has = (name) => args.includes(name);
    const flag = (name) => (has(name) ? args[args.indexOf(name) + 1] : undefined);
    const fail = (message, code = 1) => {
      throw new Exit(code, `${message}\n`);
    };

    const stateFile = env.FAKE_AZ_STATE;
    const state = stateFile && existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : {};
    state.groups ??= env.FAKE_AZ_GROUP_EXISTS === 'true' ? ['rg-lakehouse-dev', 'rg-lakehouse-prod'] : [];
    state.resources ??= {};
    state.stacks ??= {};
    state.secrets ??= {};
    state.deletedVaults ??= [];
    state.server ??= null;
    state.images ??= [];
    state.clusterMetrics ??= {};
    state.dashboards ??= {};
    const save = () => stateFile && writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);

    const groupId = (sub, rg) => `/subscriptions/${sub}/resourceGroups/${rg}`;
    const notFound = (id) => fail(`ERROR: (ResourceNotFound) The Resource '${id.split('/providers/')[1]}' under resource group '${id.split('/')[4]}' was not found.\nCode: ResourceNotFound`, 3);
    function requireGroup() {
      const rg = flag('--resource-group');
      if (!state.groups.includes(rg)) fail(`ERROR: (ResourceGroupNotFound) Resource group '${rg}' could not be found.\nCode: ResourceGroupNotFound`, 3);
    }

    /** What ARM needs before it evaluates a template: absolute files, the cluster values the .bicepparam reads. */
    function checkTemplateCall() {
      for (const f of ['--template-file', '--parameters']) if (!isAbsolute(flag(f) ?? '')) fail(`fake az: ${f} ${flag(f)} is not an absolute path; the scripts pass absolute paths`);
      for (const v of ['LAKEHOUSE_AKS_OIDC_ISSUER_URL', 'LAKEHOUSE_KUBELET_PRINCIPAL_ID']) {
        if (!env[v]) fail(`ERROR: readEnvironmentVariable: environment variable '${v}' does not exist and no default was given`);
      }
      requireGroup();
    }

    /** Flags `az stack group create|validate` and `az stack-whatif group create` require (learn.microsoft.com/cli/azure/stack/group, .../stack-whatif/group). */
    function checkStackFlags(required) {
      for (const f of required) if (!has(f)) fail(`ERROR: the following arguments are required: ${f}`, 2);
      const aou = flag('--action-on-unmanage');
      if (!['deleteAll', 'deleteResources', 'detachAll'].includes(aou)) fail(`ERROR: argument --action-on-unmanage/--aou: invalid choice: '${aou}'`, 2);
      if (!['denyDelete', 'denyWriteAndDelete', 'none'].includes(flag('--deny-settings-mode'))) fail(`ERROR: argument --deny-settings-mode/--dm: invalid choice: '${flag('--deny-settings-mode')}'`, 2);
    }

    /** The vault, server and secrets rules Azure enforces when a template writes them. */
    function applyVault(kv, recover) {
      const vaultId = Object.keys(kv)[0];
      const name = vaultId.split('/').pop();
      if (!state.resources[vaultId] && state.deletedVaults.includes(name)) {
        if (!recover) fail(`ERROR: (ConflictError) A vault with the same name already exists in deleted state. You need to either recover or purge existing key vault. Vault name: '${name}'`);
        state.deletedVaults = state.deletedVaults.filter((v) => v !== name);
      }
    }

    function applyServer(server, password) {
      if (!server) return;
      if (!state.server && !password) fail("ERROR: (InvalidParameterValue) Invalid value given for parameter 'administratorLoginPassword'. Specify a valid parameter value.");
      const current = state.server?.storageGiB ?? 0;
      if (server.storageGiB < current) fail(`ERROR: (UpsertServerManagementOperationDowngradeDiskSizeUnsupported) The storage size cannot be reduced from ${current} GB to ${server.storageGiB} GB.`);
      state.server = { id: server.id, password: password || state.server.password, storageGiB: server.storageGiB };
    }

    /** Deploys main.bicep: as a stack (`managedBy` the stack name) or incrementally (nothing removed). */
    function deployMain(stackName) {
      const deployment = readDeployment(flag('--parameters'), env, flag('--subscription'), flag('--resource-group'));
      const wanted = templateResources(deployment);
      applyVault(wanted.vault, deployment.keyVaultRecover);
      // A role assignment's scope must exist (not verified against Azure: see README).
      for (const r of Object.values(wanted.all)) {
        const secret = r.type === 'Microsoft.Authorization/roleAssignments' && /\/secrets\/([^/]+)$/.exec(r.scope);
        if (secret && !state.secrets[secret[1]]) fail(`ERROR: (ResourceNotFound) The Resource 'Microsoft.KeyVault/vaults/${deployment.keyVaultName}/secrets/${secret[1]}' under resource group '${deployment.resourceGroup}' was not found.`);
      }
      applyServer(wanted.server, env.LAKEHOUSE_POSTGRES_ADMIN_PASSWORD);
      for (const [id, resource] of Object.entries(wanted.all)) {
        const managedBy = stackName ?? state.resources[id]?.managedBy;
        state.resources[id] = managedBy ? { ...resource, managedBy } : resource;
      }
      if (stackName) {
        const before = state.stacks[stackName]?.managed ?? [];
        const removed = before.filter((id) => !(id in wanted.all));
        const deleteResources = ['deleteResources', 'deleteAll'].includes(flag('--action-on-unmanage'));
        for (const id of removed) {
          if (deleteResources) delete state.resources[id];
          else delete state.resources[id]?.managedBy;
        }
        state.stacks[stackName] = { managed: Object.keys(wanted.all).sort(), denySettingsMode: flag('--deny-settings-mode'), actionOnUnmanage: flag('--action-on-unmanage'), lastRemoved: removed };
      }
      return deployment;
    }

    /** `output <name> <type>` declarations of the template, as ARM output types. */
    function declaredOutputs(templateFile) {
      const types = { string: 'String', int: 'Int', bool: 'Bool', object: 'Object', array: 'Array' };
      const found = {};
      for (const m of readFileSync(templateFile, 'utf8').matchAll(/^output (\w+) ([\w.]+(\[\])?)/gm)) {
        found[m[1]] = m[2].endsWith('[]') ? 'Array' : types[m[2]] ?? 'Object';
      }
      return found;
    }

    const armType = (v) => (Array.isArray(v) ? 'Array' : typeof v === 'string' ? 'String' : typeof v === 'number' ? 'Int' : typeof v === 'boolean' ? 'Bool' : 'Object');

    function typedOutputs(d) {
      const outputs = {
        tenantId: env.FAKE_AZ_TENANT,
        subscriptionId: flag('--subscription'),
        resourceGroup: flag('--resource-group'),
        storageAccountName: d.storageAccountName,
        storageEndpoints: { blob: `https://${d.storageAccountName}.blob.core.windows.net/`, dfs: `https://${d.storageAccountName}.dfs.core.windows.net/` },
        keyVaultUri: `https://${d.keyVaultName}.vault.azure.net/`,
        keyVaultSoftDeleteDays: d.keyVaultSoftDeleteDays,
        containerRegistryLoginServer: `${d.containerRegistryName.toLowerCase()}.azurecr.io`,
        identities: d.ledger.identities.map((i) => ({ name: i.name, clientId: guid(`client ${d.environmentName} ${i.name}`), principalId: guid(`principal ${d.environmentName} ${i.name}`) })),
      };
      const declared = declaredOutputs(flag('--template-file'));
      const names = [...new Set([...Object.keys(declared), ...Object.keys(outputs)])].sort();
      for (const name of names) {
        if (!(name in outputs)) fail(`fake az: the template declares output ${name}, which the fake does not produce: teach it`);
        if (!(name in declared)) fail(`fake az: the fake produces output ${name}, which the template does not declare`);
        if (armType(outputs[name]) !== declared[name]) fail(`fake az: output ${name} is ${armType(outputs[name])}, the template declares ${declared[name]}`);
      }
      return Object.fromEntries(names.map((k) => [k, { type: declared[k], value: outputs[k] }]));
    }

    /** A tiny `--query a.b.c` on one object, and `--output tsv|json`. */
    function show(object) {
      let value = object;
      for (const key of (flag('--query') ?? '').split('.').filter(Boolean)) value = value?.[key];
      out.push(flag('--output') === 'tsv' ? String(value ?? '') : JSON.stringify(value));
    }

    const forbidden = (what) => fail(`ERROR: (AuthorizationFailed) The client 'ci@example.org' does not have authorization to perform action '${what}' or the scope is invalid.\nCode: AuthorizationFailed`);

    if (is('version')) {
      out.push(JSON.stringify({ 'azure-cli': '2.79.0', extensions: {} }));
    } else if (is('account', 'show')) {
      if (env.FAKE_AZ_LOGGED_OUT) fail("ERROR: Please run 'az login' to setup account.");
      out.push(JSON.stringify({ tenantId: env.FAKE_AZ_TENANT, id: 'fake-subscription', user: { name: 'ci@example.org' } }));
    } else if (is('bicep', 'version')) {
      if (env.FAKE_AZ_BICEP === 'missing') fail('ERROR: Bicep CLI not found. Install it now by running "az bicep install".');
      out.push(`Bicep CLI version ${env.FAKE_AZ_BICEP ?? '0.40.2'} (1a2b3c4d5e)`);
    } else if (is('group', 'exists')) {
      out.push(state.groups.includes(flag('--name')) ? 'true' : 'false');
    } else if (is('group', 'create')) {
      state.groups.push(flag('--name'));
      save();
    } else if (is('aks', 'show') && flag('--query') === 'azureMonitorProfile.metrics.enabled') {
      show({ azureMonitorProfile: { metrics: { enabled: Boolean(state.clusterMetrics[flag('--name')]) } } });
    } else if (is('aks', 'update') && has('--enable-azure-monitor-metrics')) {
      const workspace = flag('--azure-monitor-workspace-resource-id');
      if (!state.resources[workspace]) fail(`ERROR: (ResourceNotFound) The Resource '${workspace}' was not found.`, 3);
      state.clusterMetrics[flag('--name')] = workspace;
      save();
    } else if (is('extension', 'show')) {
      if (flag('--name') !== 'amg' || env.FAKE_AZ_NO_AMG) fail(`ERROR: The extension ${flag('--name')} is not installed.`);
      out.push(JSON.stringify({ name: 'amg', version: '2.8.0' }));
    } else if (is('grafana', 'dashboard', 'create')) {
      if (env.FAKE_AZ_NO_AMG) fail("ERROR: 'grafana' is misspelled or not recognized by the system.");
      const grafana = `${groupId(flag('--subscription'), flag('--resource-group'))}/providers/Microsoft.Dashboard/grafana/${flag('--name')}`;
      if (!state.resources[grafana]) fail(`ERROR: (ResourceNotFound) The Resource 'Microsoft.Dashboard/grafana/${flag('--name')}' under resource group '${flag('--resource-group')}' was not found.`, 3);
      if (env.FAKE_AZ_GRAFANA_FORBIDDEN) fail('ERROR: (403) Forbidden: {"message":"You\'ll need additional permissions to perform this action. Permissions needed: dashboards:create"}');
      const definition = flag('--definition') ?? '';
      const model = JSON.parse(definition.startsWith('@') ? readFileSync(definition.slice(1), 'utf8') : definition);
      const dashboard = model.dashboard ?? model;
      if (!dashboard.uid || !dashboard.title) fail('fake az: a dashboard needs a uid and a title');
      const kept = (state.dashboards[grafana] ??= {});
      if (kept[dashboard.uid] && flag('--overwrite') !== 'true') fail('ERROR: (412) A dashboard with the same uid already exists');
      kept[dashboard.uid] = dashboard.title;
      save();
    } else if (is('aks', 'show')) {
      if (env.FAKE_AZ_AKS === 'missing') fail(`ERROR: (ResourceNotFound) The Resource 'Microsoft.ContainerService/managedClusters/${flag('--name')}' under resource group '${flag('--resource-group')}' was not found.`, 3);
      const on = env.FAKE_AZ_AKS !== 'no-oidc';
      out.push(JSON.stringify({
        issuer: on ? `https://westeurope.oic.prod-aks.azure.com/${env.FAKE_AZ_TENANT}/${guid(flag('--name'))}/` : null,
        oidc: on,
        workloadIdentity: on,
        kubelet: guid(`kubelet ${flag('--name')}`),
      }));
    } else if (is('resource', 'show')) {
      // Control plane (Azure Resource Manager): what the deployer's Contributor role reads.
      const id = flag('--ids');
      if (env.FAKE_AZ_ARM_FORBIDDEN) forbidden('read');
      if (!state.groups.includes(id.split('/')[4])) fail(`ERROR: (ResourceGroupNotFound) Resource group '${id.split('/')[4]}' could not be found.\nCode: ResourceGroupNotFound`, 3);
      if (state.server && state.server.id === id) {
        show({ id, properties: { storage: { storageSizeGB: state.server.storageGiB, autoGrow: 'Enabled' } } });
      } else if (state.resources[id]) {
        show({ id, ...state.resources[id] });
      } else {
        notFound(id);
      }
    } else if (is('rest', '--method', 'get')) {
      // Only the management API's Secrets - List is used: GET <vault id>/secrets?api-version=...
      const url = flag('--url');
      const m = /^(\/subscriptions\/[^?]+\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+)\/secrets\?api-version=2024-11-01$/.exec(url);
      if (!m) fail(`fake az: unexpected az rest url ${url}`);
      if (env.FAKE_AZ_ARM_FORBIDDEN) forbidden('Microsoft.KeyVault/vaults/secrets/read');
      if (!state.resources[m[1]]) fail(`ERROR: Not Found({"error":{"code":"ResourceNotFound","message":"The Resource '${m[1]}' was not found."}})`);
      out.push(JSON.stringify({ value: Object.keys(state.secrets).map((name) => ({ id: `${m[1]}/secrets/${name}`, name })) }));
    } else if (is('keyvault', 'list-deleted')) {
      out.push(JSON.stringify(state.deletedVaults.map((name) => ({ name, properties: { purgeProtectionEnabled: true } }))));
    } else if (is('keyvault', 'secret')) {
      // Data plane: the deployer holds no role on a new vault, and a private vault is not reachable.
      if (!env.FAKE_AZ_DATA_PLANE) fail(`ERROR: (Forbidden) Caller is not authorized to perform action on resource.\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\nInner error: {"code":"ForbiddenByRbac"}`);
      if (is('keyvault', 'secret', 'show')) {
        if (!state.secrets[flag('--name')]) fail(`ERROR: (SecretNotFound) A secret with (name/id) ${flag('--name')} was not found in this key vault.`, 3);
        out.push(`https://${flag('--vault-name')}.vault.azure.net/secrets/${flag('--name')}/0123456789abcdef`);
      } else if (is('keyvault', 'secret', 'set')) {
        if (has('--value')) fail('fake az: secret values must come from --file, never from the command line');
        const value = readFileSync(flag('--file'), 'utf8');
        state.secrets[flag('--name')] = { value, versions: (state.secrets[flag('--name')]?.versions ?? 0) + 1 };
        save();
      }
    } else if (is('acr', 'build')) {
      const context = args[args.length - 1];
      if (!isAbsolute(context) || !isAbsolute(flag('--file'))) fail('fake az: acr build context and Dockerfile must be absolute paths');
      readFileSync(flag('--file'), 'utf8');
      out.push(`Run ID: ca1 was successful after 2m3s\n${flag('--registry')}.azurecr.io/${flag('--image')}`);
    } else if (is('acr', 'repository', 'show')) {
      const image = `${flag('--name')}/${flag('--image')}`;
      if (!state.images.includes(image)) fail(`ERROR: manifest unknown: MANIFEST_UNKNOWN: manifest tagged by "${flag('--image').split(':')[1]}" is not found`);
      out.push(JSON.stringify({ name: flag('--image').split(':')[1], digest: `sha256:${guid(image).replace(/-/g, '').padEnd(64, '0')}` }));
    } else if (is('acr', 'import')) {
      // az acr import fetches the source by registry host: a source without one is refused (as docker.io would be assumed nowhere).
      const source = flag('--source') ?? '';
      if (!/^[a-z0-9.-]+\.[a-z]+\//.test(source)) fail(`ERROR: the source ${source} names no registry`);
      const image = `${flag('--name')}/${flag('--image')}`;
      if (state.images.includes(image) && !has('--force')) fail(`ERROR: (Conflict) Tag ${flag('--image')} already exists in target registry ${flag('--name')}.`);
      state.images.push(image);
      save();
    } else if (is('storage', 'blob', 'exists') || is('storage', 'blob', 'upload')) {
      // FAKE_AZ_BLOBS: container/name of blobs that exist, comma-separated. Shared-key access is off: only Entra ID works.
      if (flag('--auth-mode') !== 'login') fail('ERROR: Key based authentication is not permitted on this storage account.');
      const exists = (env.FAKE_AZ_BLOBS ?? '').split(',').includes(`${flag('--container-name')}/${flag('--name')}`);
      if (is('storage', 'blob', 'exists')) out.push(JSON.stringify({ exists }));
      else if (exists && flag('--overwrite') !== 'true') fail('ERROR: The specified blob already exists.\nErrorCode:BlobAlreadyExists');
      else if (!existsSync(flag('--file'))) fail(`ERROR: [Errno 2] No such file or directory: '${flag('--file')}'`);
    } else if (is('role', 'assignment', 'list')) {
      out.push(JSON.stringify(env.FAKE_AZ_ATTACHED_ACR ? [{ name: guid('attach-acr'), description: null, roleDefinitionName: 'AcrPull' }] : []));
    } else if (is('deployment', 'group', 'create') && /\/secrets\.bicep$/.test(flag('--template-file') ?? '')) {
      // bicep/secrets.bicep: the vault (as main.bicep writes it) and the secrets, from a parameters file.
      requireGroup();
      const file = flag('--parameters');
      if (!file?.startsWith('@') || !isAbsolute(file.slice(1))) fail('fake az: secrets.bicep takes its parameters from @<absolute file>');
      if ((statSync(file.slice(1)).mode & 0o077) !== 0) fail('fake az: the secrets parameters file is readable by others');
      const params = JSON.parse(readFileSync(file.slice(1), 'utf8')).parameters;
      const vaultId = `${groupId(flag('--subscription'), flag('--resource-group'))}/providers/Microsoft.KeyVault/vaults/${params.keyVaultName.value}`;
      applyVault({ [vaultId]: {} }, params.keyVaultRecover?.value === true);
      state.resources[vaultId] = { ...state.resources[vaultId], type: 'Microsoft.KeyVault/vaults' };
      for (const [name, value] of Object.entries(params.secretValues.value)) {
        if (!value) fail(`fake az: empty value for secret ${name}`);
        state.secrets[name] = { value, versions: (state.secrets[name]?.versions ?? 0) + 1 };
      }
      save();
      out.push(JSON.stringify({ name: flag('--name'), properties: { provisioningState: 'Succeeded', outputs: {} } }));
    } else if (is('deployment', 'group', 'validate') || is('stack', 'group', 'validate')) {
      checkTemplateCall();
      if (args[0] === 'stack') checkStackFlags(['--name', '--action-on-unmanage', '--deny-settings-mode']);
      if (env.FAKE_AZ_FAIL === 'validate') fail('ERROR: InvalidTemplateDeployment: The template deployment failed validation.');
    } else if (is('deployment', 'group', 'what-if')) {
      checkTemplateCall();
      out.push('Resource and property changes are indicated with these symbols:\n  + Create\n\nResource changes: 0 to create.');
    } else if (is('stack-whatif', 'group', 'create')) {
      checkTemplateCall();
      checkStackFlags(['--name', '--stack-id', '--retention-interval', '--action-on-unmanage', '--deny-settings-mode']);
      const deployment = readDeployment(flag('--parameters'), env, flag('--subscription'), flag('--resource-group'));
      const wanted = templateResources(deployment).all;
      const stack = flag('--stack-id').split('/').pop();
      const managed = state.stacks[stack]?.managed ?? [];
      const deletes = ['deleteResources', 'deleteAll'].includes(flag('--action-on-unmanage'));
      const lines = [
        ...Object.keys(wanted).filter((id) => !state.resources[id]).map((id) => `  + ${id}`),
        ...managed.filter((id) => !(id in wanted)).map((id) => `  ${deletes ? '- ' : 'v '}${id}${deletes ? '' : ' (detach)'}`),
      ];
      const count = (c) => lines.filter((l) => l.startsWith(`  ${c}`)).length;
      out.push(`Resource changes:\n${lines.join('\n')}\n\nResource changes: ${count('+')} to create, ${count('-')} to delete, ${count('v')} to detach.`);
    } else if (is('deployment', 'group', 'create') || is('stack', 'group', 'create')) {
      checkTemplateCall();
      const stackName = args[0] === 'stack' ? flag('--name') : undefined;
      if (stackName) {
        checkStackFlags(['--name', '--action-on-unmanage', '--deny-settings-mode']);
        // Without --yes, az asks before updating an existing stack (azure-cli resource/custom.py).
        if (state.stacks[stackName] && !has('--yes')) fail('ERROR: stdin is not a tty: cannot prompt "Are you sure you want to continue?"; pass --yes');
      }
      if (env.FAKE_AZ_FAIL === 'create') fail('ERROR: DeploymentFailed: At least one resource deployment operation failed.');
      const deployment = deployMain(stackName);
      save();
      const outputs = typedOutputs(deployment);
      // A stack prints the DeploymentStack model flattened (azure-mgmt-resource DeploymentStack: properties.outputs, properties.provisioningState).
      if (stackName) out.push(JSON.stringify({ name: stackName, provisioningState: 'succeeded', outputs, resources: Object.keys(state.resources).filter((id) => state.resources[id].managedBy === stackName).map((id) => ({ id, status: 'managed' })) }));
      else out.push(JSON.stringify({ name: flag('--name'), properties: { provisioningState: 'Succeeded', outputs } }));
    } else {
      fail(`fake az: unexpected call: az ${args.join(' ')}`);
    }
  } catch (e) {
    if (e instanceof Exit) return { status: e.status, stdout: '', stderr: e.stderr };
    throw e;
  }
  return { status: 0, stdout: out.map((l) => `${l}\n`).join(''), stderr: '' };
}

module.exports = { fakeAz };
