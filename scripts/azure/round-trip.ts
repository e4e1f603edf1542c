import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { azureOutputsSchema, AzureOutputs } from '../../charts/lib/azure-outputs';
import { parseOrThrow } from '../../charts/lib/validation';
import type { Environment } from '../../charts/components';
import { DEPLOY_TIME_VARIABLES } from '../../charts/lib/bicep-params';
import type { LedgerJson } from '../../charts/lib/ledger';
import { polarisKeyVaultSecrets } from '../../charts/polaris/constants';
import { AzureState, LookupError, readAzureState, resourceGroupId } from './azure-state';
import { generatedSecrets, secretsParameters, withPrivateFile } from './secrets';
import { checkMonitoringTools, deployMonitoring, MonitoringDeployError, monitoringPlan } from './monitoring';

/** An error the user can act on; the CLI prints its message and exits 1. */
export class RoundTripError extends Error {}

export interface AzCall {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly missing: boolean;
}

/** How to run one az call: inherit the terminal (what-if output is for humans), extra environment. */
export interface AzOptions {
  readonly stream?: boolean;
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs `az` with `args`. */
export type Az = (args: string[], options?: AzOptions) => AzCall;

/** The real az, always run from the repository root (the template paths are absolute anyway). */
export const realAz =
  (cwd: string): Az =>
  (args, options = {}) => {
    const r = spawnSync('az', args, {
      cwd,
      encoding: 'utf8',
      stdio: options.stream ? 'inherit' : 'pipe',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, ...options.env },
    });
    const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', missing };
  };

export interface RoundTripProps {
  readonly root: string;
  readonly env: Environment;
  readonly az: Az;
  readonly log: (line: string) => void;
  /** Give PostgreSQL a new administrator password (and Key Vault with it). */
  readonly rotateDatabasePassword?: boolean;
}

/**
 * The oldest Bicep CLI that compiles the templates as they are: compile-time imports and
 * `@export()` (0.25.3), the what-if-short-circuiting linter rule (0.30.3), and a type index
 * that knows every Type@apiVersion used (Microsoft.ContainerRegistry/registries@2025-11-01
 * arrived in Azure.Bicep.Types.Az 0.2.813, which Bicep v0.39.26 was the first to ship, at
 * the very commit; 0.40.2 ships 0.2.830).
 */
export const MIN_BICEP_VERSION = [0, 40, 2] as const;

/** The deployment stack of an environment: it manages exactly what bicep/main.bicep lists. */
const stackName = (env: Environment) => `aks-lakehouse-${env.name}`;

/**
 * How the stack treats what it no longer lists, and what it locks. Flags of `az stack group
 * create` (learn.microsoft.com/cli/azure/stack/group; azure-cli resource/custom.py
 * `_prepare_stacks_delete_detach_models`): deleteResources deletes resources dropped from
 * the template and only detaches resource groups and management groups. denyDelete (prod,
 * where delete locks are on) refuses deletes by anyone but the stack; writes stay allowed, so
 * the secrets deployment, `az aks update --attach-acr` and operators keep working.
 */
const stackSettings = (env: Environment) => ['--action-on-unmanage', 'deleteResources', '--deny-settings-mode', env.protection.deleteLock ? 'denyDelete' : 'none'];

/** Description of the AcrPull assignment the template makes (container-registry.bicep). */
const OUR_ACR_PULL = 'aks-lakehouse: the AKS kubelet pulls the images the platform builds';

/**
 * Preview the changes a deploy would make, removals included (a deployment stack what-if).
 * A new environment's resource group does not exist yet and Azure previews only into an
 * existing one: then the preview says what the first deploy creates, from the ledger.
 */
export function whatIf(props: RoundTripProps): void {
  const { env, log } = props;
  const { template, variables } = preflight(props);
  const secrets = Object.keys(generatedSecrets(env, readLedger(props)));
  if (!groupExists(props)) {
    firstDeployPlan(props, secrets).forEach((line) => log(line));
    return;
  }
  const found = lookUp(props, secrets, true);
  if (found.missingSecrets.length) log(`deploy would first store ${found.missingSecrets.join(', ')} in Key Vault ${env.azure.keyVaultName} (bicep/secrets.bicep)`);
  const stackId = `${resourceGroupId(env)}/providers/Microsoft.Resources/deploymentStacks/${stackName(env)}`;
  run(props, ['stack-whatif', 'group', 'create', '--name', `${stackName(env)}-what-if`, '--stack-id', stackId, '--retention-interval', 'PT1H', ...template, ...stackSettings(env)], 'stack-whatif', {
    stream: true,
    env: { ...variables, ...stateVariables(found, false) },
  });
  monitoringStep(() => monitoringPlan(props).forEach((line) => log(line)));
}

/**
 * Store new secrets through Azure Resource Manager, then create or update the environment's
 * deployment stack, then capture its outputs into environments/<env>.azure.json. The file
 * is replaced only after the outputs parsed. A database password reaches the server only
 * after Key Vault holds it.
 */
export function deploy(props: RoundTripProps): AzureOutputs {
  const { env, log, root } = props;
  const { template, variables } = preflight(props);
  const { azure } = env;
  // `az group create` on an existing group replaces its tags: create only a missing group.
  const existed = groupExists(props);
  if (!existed) {
    log(`creating resource group ${azure.resourceGroup} in ${azure.location}`);
    run(props, ['group', 'create', '--subscription', azure.subscriptionId, '--name', azure.resourceGroup, '--location', azure.location, '--tags', 'managed-by=aks-lakehouse', `environment=${env.name}`, '--output', 'none'], 'group create');
  }
  const makers = generatedSecrets(env, readLedger(props));
  const found = lookUp(props, Object.keys(makers), existed);
  const password = polarisKeyVaultSecrets.databasePassword;
  // A new database password on the first deploy, when asked, or when the server is missing
  // (a first deploy that stopped after storing it): a new server needs one.
  const needed = new Set(found.missingSecrets);
  if (password in makers && (props.rotateDatabasePassword || found.serverStorageGiB === undefined)) needed.add(password);
  const values = Object.fromEntries([...needed].sort().map((name) => [name, makers[name]()]));
  if (needed.size) {
    log(`storing ${[...needed].sort().join(', ')} in Key Vault ${azure.keyVaultName} (through Azure Resource Manager)`);
    withPrivateFile(secretsParameters(env, values, found.vaultSoftDeleted), (file) =>
      run(props, ['deployment', 'group', 'create', '--subscription', azure.subscriptionId, '--resource-group', azure.resourceGroup, '--name', `${stackName(env)}-secrets`, '--template-file', join(root, 'bicep', 'secrets.bicep'), '--parameters', `@${file}`, '--output', 'none'], 'secrets deployment'),
    );
  }
  const newPassword = values[password] ?? '';
  const deployEnv = { ...variables, ...stateVariables(found, needed.size > 0), [DEPLOY_TIME_VARIABLES.postgresAdminPassword]: newPassword };
  const stack = ['--name', stackName(env), ...template, ...stackSettings(env), '--description', `aks-lakehouse ${env.name}: bicep/main.bicep for the ledger bicep/env/${env.name}.workloads.json`];
  const stranded = newPassword && found.serverStorageGiB !== undefined ? `\nKey Vault already holds a new database password that the server may not have: run \`npm run deploy -- ${env.name} --rotate-database-password\` once the cause is fixed` : '';
  log(`validating stack ${stackName(env)}`);
  run(props, ['stack', 'group', 'validate', ...stack, '--output', 'none'], 'stack validate', { env: deployEnv }, stranded);
  log(`deploying stack ${stackName(env)} (this takes a few minutes; resources dropped from the template are deleted)`);
  const created = run(props, ['stack', 'group', 'create', ...stack, '--yes', '--output', 'json'], 'stack create', { env: deployEnv }, stranded);
  const outputs = captureOutputs(env, created.stdout);
  // Only the bootstrap and the server-login Job log in as the administrator; the server has its own login.
  if (newPassword && props.rotateDatabasePassword) log('the PostgreSQL administrator has a new password; the Polaris Jobs read it from Key Vault on their next sync, the server is not affected');
  const file = join(root, 'environments', `${env.name}.azure.json`);
  const staging = `${file}.tmp-${process.pid}`;
  writeFileSync(staging, `${JSON.stringify(outputs, null, 2)}\n`);
  renameSync(staging, file);
  log(`wrote environments/${env.name}.azure.json with ${Object.keys(outputs.identities).length} identities`);
  // After the outputs are kept: a monitoring failure leaves a deployed stack whose outputs synth can read.
  monitoringStep(() => deployMonitoring(props));
  log(`next: npm run synth && git add environments/${env.name}.azure.json dist bicep/env && git commit`);
  return outputs;
}

/** Runs a monitoring step, reporting its failure as the deploy's. */
function monitoringStep(step: () => void): void {
  try {
    step();
  } catch (e) {
    if (e instanceof MonitoringDeployError) throw new RoundTripError(e.message);
    throw e;
  }
}

/** The ledger synth wrote (preflight checked it exists). */
function readLedger(props: RoundTripProps): LedgerJson {
  return JSON.parse(readFileSync(join(props.root, 'bicep', 'env', `${props.env.name}.workloads.json`), 'utf8')) as LedgerJson;
}

function groupExists(props: RoundTripProps): boolean {
  const { azure } = props.env;
  const exists = run(props, ['group', 'exists', '--subscription', azure.subscriptionId, '--name', azure.resourceGroup], 'group exists').stdout.trim();
  if (exists !== 'true' && exists !== 'false') throw new RoundTripError(`az group exists printed ${JSON.stringify(exists)} for ${azure.resourceGroup}; expected true or false`);
  return exists === 'true';
}

function lookUp(props: RoundTripProps, secrets: string[], groupExisted: boolean): AzureState {
  try {
    return readAzureState(props.az, props.env, secrets, groupExisted, deploysPolaris(props.env));
  } catch (e) {
    if (e instanceof LookupError) throw new RoundTripError(`${e.message}; nothing was changed for environment ${props.env.name}`);
    throw e;
  }
}

/** The deploy-time variables that come from what exists: vault recovery and the server's disk. */
function stateVariables(found: AzureState, secretsDeployed: boolean): Record<string, string> {
  return {
    // The secrets deployment recovers the vault when it runs first; a vault is recovered once.
    [DEPLOY_TIME_VARIABLES.keyVaultRecover]: String(found.vaultSoftDeleted && !secretsDeployed),
    [DEPLOY_TIME_VARIABLES.postgresDeployedStorageGiB]: String(found.serverStorageGiB ?? 0),
  };
}

/** What the first deploy of an environment creates, for a preview that Azure cannot give yet. */
function firstDeployPlan(props: RoundTripProps, secrets: string[]): string[] {
  const { env } = props;
  const { azure } = env;
  const ledger = readLedger(props);
  const count = (f: (i: LedgerJson['identities'][number]) => number) => ledger.identities.reduce((n, i) => n + f(i), 0);
  const grants = count((i) => i.storage.length + i.storageAccount.length + i.keyVault.length + i.keyVaultSecrets.length) + 1;
  const lines = [
    `resource group ${azure.resourceGroup} does not exist yet, and Azure previews only into an existing group; npm run deploy -- ${env.name} will create:`,
    `  + resource group ${azure.resourceGroup} in ${azure.location}`,
    `  + Key Vault ${azure.keyVaultName}${secrets.length ? ` with ${secrets.join(', ')} (bicep/secrets.bicep)` : ''}`,
    `  + deployment stack ${stackName(env)} with everything in bicep/main.bicep: storage account ${azure.storageAccountName} (${ledger.containers.length} containers: ${ledger.containers.join(', ')}), container registry ${azure.containerRegistryName}`,
  ];
  if (deploysPolaris(env)) lines.push(`  + PostgreSQL server psql-${azure.namePrefix} with database polaris${azure.network.privateEndpoints ? ' and a private endpoint' : ` and ${azure.network.aksEgressIps.length} firewall rules`}`);
  lines.push(`  + ${ledger.identities.length} workload identities, ${count((i) => i.subjects.length)} federated credentials, ${grants} role assignments (the ledger's and the kubelet's AcrPull)`);
  if (env.monitoring) lines.push(`  + Azure Monitor workspace amw-${azure.namePrefix}, Managed Grafana, action group ag-${azure.namePrefix} and the Prometheus rule groups; then the cluster connected to the workspace and the dashboards imported`);
  if (azure.network.privateEndpoints) lines.push('  + private endpoints for blob, dfs, vault, registry and the server' + (azure.network.privateEndpoints.dnsZoneResourceGroupId ? '' : ', and their privatelink DNS zones'));
  lines.push(`run npm run what-if -- ${env.name} again after the first deploy to see changes, removals included`);
  return lines;
}

/** Images the repository builds (images/<name>/), and where each environment names the tag. */
export const buildableImages = {
  'kafka-connect': { setting: (env: Environment) => (env.components as Record<string, { image?: string } | undefined>)['kafka-connect']?.image },
  flink: { setting: (env: Environment) => (env.components as Record<string, { image?: string } | undefined>).flink?.image },
} as const;

/**
 * Builds images/<name>/ in the environment's container registry with `az acr build` (no local
 * Docker), tagged as the environment's settings name it, so charts and registry agree.
 */
export function buildImage(props: RoundTripProps, name: string): string {
  const image = buildableImages[name as keyof typeof buildableImages];
  if (!image) throw new RoundTripError(`no image ${name}; the repository builds ${Object.keys(buildableImages).join(', ')}`);
  const reference = image.setting(props.env);
  if (!reference) throw new RoundTripError(`environments/${props.env.name}.ts names no ${name} image (components.${name}.image)`);
  const { azure } = props.env;
  const registry = `${azure.containerRegistryName.toLowerCase()}.azurecr.io/`;
  if (!reference.startsWith(registry) || reference.includes('@')) {
    throw new RoundTripError(`components.${name}.image (${reference}) must be ${registry}<repository>:<tag> to be built here; pin the digest after the build`);
  }
  checkLogin(props);
  const context = join(props.root, 'images', name);
  props.log(`building ${reference} in ${azure.containerRegistryName} (az acr build)`);
  run(props, ['acr', 'build', '--subscription', azure.subscriptionId, '--registry', azure.containerRegistryName, '--image', reference.slice(registry.length), '--file', join(context, 'Dockerfile'), context], 'acr build', { stream: true });
  props.log(`built ${reference}; pin it by digest: az acr repository show -n ${azure.containerRegistryName} --image ${reference.slice(registry.length)} --query digest`);
  return reference;
}

export function checkLogin(props: RoundTripProps): void {
  const { env, az } = props;
  const { azure } = env;
  const version = az(['version', '--output', 'json']);
  if (version.missing) {
    throw new RoundTripError(`the Azure CLI (az) is not on PATH: install it (2.61 or later) and the Bicep CLI (\`az bicep install\`, ${MIN_BICEP_VERSION.join('.')} or later), then retry`);
  }
  const account = az(['account', 'show', '--output', 'json']);
  if (account.status !== 0) {
    throw new RoundTripError(`az is not logged in: run \`az login --tenant ${azure.tenantId}\`, then retry (${firstLine(account.stderr)})`);
  }
  const tenant = JSON.parse(account.stdout).tenantId;
  if (tenant !== azure.tenantId) {
    throw new RoundTripError(`az is logged in to tenant ${tenant}, but environments/${env.name}.ts azure.tenantId is ${azure.tenantId}: run \`az login --tenant ${azure.tenantId}\``);
  }
}

/** Checks the tools, the login and the cluster; returns the template arguments and the variables the .bicepparam reads. */
function preflight(props: RoundTripProps): { template: string[]; variables: Record<string, string> } {
  const { env, az, root } = props;
  const { azure } = env;
  checkLogin(props);
  checkBicep(az);
  monitoringStep(() => checkMonitoringTools(props));
  const params = join(root, 'bicep', 'env', `${env.name}.bicepparam`);
  if (!existsSync(params) || !existsSync(join(root, 'bicep', 'env', `${env.name}.workloads.json`))) {
    throw new RoundTripError(`bicep/env/${env.name}.bicepparam or its ledger is missing: run \`npm run synth\` first (it writes both, even before the first deploy)`);
  }
  const cluster = readCluster(props);
  return {
    template: [
      '--subscription', azure.subscriptionId,
      '--resource-group', azure.resourceGroup,
      '--template-file', join(root, 'bicep', 'main.bicep'),
      '--parameters', params,
    ],
    variables: {
      [DEPLOY_TIME_VARIABLES.aksOidcIssuerUrl]: cluster.issuer,
      [DEPLOY_TIME_VARIABLES.kubeletPrincipalId]: cluster.kubelet,
      [DEPLOY_TIME_VARIABLES.kubeletAcrPullExists]: String(kubeletHoldsForeignAcrPull(props, cluster.kubelet)),
    },
  };
}

function checkBicep(az: Az): void {
  const call = az(['bicep', 'version']);
  const found = /(\d+)\.(\d+)\.(\d+)/.exec(`${call.stdout} ${call.stderr}`);
  if (call.status !== 0 || !found) {
    throw new RoundTripError(`the Bicep CLI is not installed for az: run \`az bicep install\` (${MIN_BICEP_VERSION.join('.')} or later), then retry`);
  }
  const have = found.slice(1, 4).map(Number);
  // The first part that differs decides.
  const older = (have.map((n, i) => n - MIN_BICEP_VERSION[i]).find((d) => d !== 0) ?? 0) < 0;
  if (older) {
    throw new RoundTripError(`Bicep CLI ${have.join('.')} is older than ${MIN_BICEP_VERSION.join('.')}, which the templates need: run \`az bicep upgrade\`, then retry`);
  }
}

/** The cluster's OIDC issuer and kubelet identity, after checking workload identity is on. */
function readCluster(props: RoundTripProps): { issuer: string; kubelet: string } {
  const { aks, subscriptionId } = props.env.azure;
  const query = '{issuer: oidcIssuerProfile.issuerUrl, oidc: oidcIssuerProfile.enabled, workloadIdentity: securityProfile.workloadIdentity.enabled, kubelet: identityProfile.kubeletidentity.objectId}';
  const call = props.az(['aks', 'show', '--subscription', subscriptionId, '--resource-group', aks.resourceGroup, '--name', aks.clusterName, '--query', query, '--output', 'json']);
  if (call.status !== 0) {
    throw new RoundTripError(`cannot read AKS cluster ${aks.resourceGroup}/${aks.clusterName} (environments/${props.env.name}.ts azure.aks): ${firstLine(call.stderr)}`);
  }
  const cluster = JSON.parse(call.stdout);
  if (!cluster.oidc || !cluster.workloadIdentity || !cluster.issuer) {
    throw new RoundTripError(
      `AKS cluster ${aks.clusterName} needs its OIDC issuer and workload identity: run \`az aks update --resource-group ${aks.resourceGroup} --name ${aks.clusterName} --enable-oidc-issuer --enable-workload-identity\`, then retry`,
    );
  }
  if (!/^[0-9a-f-]{36}$/.test(cluster.kubelet ?? '')) {
    throw new RoundTripError(`AKS cluster ${aks.clusterName} has no kubelet managed identity (identityProfile.kubeletidentity.objectId); the registry grants AcrPull to it`);
  }
  return { issuer: cluster.issuer, kubelet: cluster.kubelet };
}

/**
 * Whether the kubelet already holds AcrPull on the registry through an assignment the
 * template did not make (`az aks update --attach-acr` names its own): creating ours beside
 * it fails with RoleAssignmentExists. A registry that does not exist yet has none.
 */
function kubeletHoldsForeignAcrPull(props: RoundTripProps, kubelet: string): boolean {
  const { azure } = props.env;
  const scope = `/subscriptions/${azure.subscriptionId}/resourceGroups/${azure.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${azure.containerRegistryName}`;
  const call = props.az(['role', 'assignment', 'list', '--assignee', kubelet, '--role', 'AcrPull', '--scope', scope, '--output', 'json']);
  if (call.status !== 0) return false;
  const assignments = JSON.parse(call.stdout || '[]') as { description?: string | null }[];
  return assignments.some((a) => a.description !== OUR_ACR_PULL);
}

function deploysPolaris(env: Environment): boolean {
  return (env.components as Record<string, unknown>).polaris !== undefined;
}

function run(props: RoundTripProps, args: string[], step: string, options: AzOptions = {}, hint = ''): AzCall {
  const call = props.az(args, options);
  if (call.status !== 0) {
    throw new RoundTripError(`az ${step} failed for environment ${props.env.name}; environments/${props.env.name}.azure.json was not changed:\n${call.stderr.trim() || '(no output)'}${hint}`);
  }
  return call;
}

/**
 * Turns `az stack group create -o json` into the outputs file, validated. az prints the
 * DeploymentStack model with its properties flattened (azure-mgmt-resource: `outputs`,
 * `provisioningState`, whose values are lower case, e.g. `succeeded`).
 */
export function captureOutputs(env: Environment, stdout: string): AzureOutputs {
  let stack: any;
  try {
    stack = JSON.parse(stdout);
  } catch {
    throw new RoundTripError(`az stack group create printed no JSON for ${env.name}; nothing was written`);
  }
  const state = stack?.provisioningState;
  if (String(state).toLowerCase() !== 'succeeded') throw new RoundTripError(`stack ${stackName(env)} ended ${state ?? 'without a state'}; nothing was written`);
  const out = stack.outputs ?? {};
  const value = (name: string) => out[name]?.value;
  if (out.identities && out.identities.type !== 'Array') {
    throw new RoundTripError(`output identities of ${stackName(env)} is ${out.identities.type}, not the Array bicep/main.bicep declares; nothing was written`);
  }
  const identities = (value('identities') ?? []) as { name: string; clientId: string; principalId: string }[];
  const candidate = {
    tenantId: value('tenantId'),
    subscriptionId: value('subscriptionId'),
    resourceGroup: value('resourceGroup'),
    storageAccountName: value('storageAccountName'),
    storageEndpoints: value('storageEndpoints'),
    keyVaultUri: value('keyVaultUri'),
    keyVaultSoftDeleteDays: value('keyVaultSoftDeleteDays'),
    containerRegistryLoginServer: value('containerRegistryLoginServer'),
    identities: Object.fromEntries(identities.map((i) => [i.name, { clientId: i.clientId, principalId: i.principalId }])),
  };
  try {
    return parseOrThrow(azureOutputsSchema, candidate, `outputs of stack ${stackName(env)}`);
  } catch (e) {
    throw new RoundTripError(`${(e as Error).message}\nnothing was written`);
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
