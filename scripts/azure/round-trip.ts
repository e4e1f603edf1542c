import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { azureOutputsSchema, AzureOutputs } from '../../charts/lib/azure-outputs';
import { parseOrThrow } from '../../charts/lib/validation';
import type { Environment } from '../../charts/components';
import { DEPLOY_TIME_VARIABLES } from '../../charts/lib/bicep-params';
import { polarisKeyVaultSecrets } from '../../charts/polaris/constants';
import { trinoKeyVaultSecrets } from '../../charts/trino';

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

/** Secrets the deploy command generates once and keeps in Key Vault (never in the repository, dist/ or a parameter file). */
const generatedSecrets = [
  { name: polarisKeyVaultSecrets.rootClientId, make: () => randomBytes(8).toString('hex') },
  { name: polarisKeyVaultSecrets.rootClientSecret, make: () => randomBytes(24).toString('base64url') },
  { name: polarisKeyVaultSecrets.tokenBrokerKey, make: () => randomBytes(32).toString('base64url') },
] as const;

/**
 * The oldest Bicep CLI that compiles the templates as they are: compile-time imports and
 * `@export()` (0.25.3), the what-if-short-circuiting linter rule (0.30.3), and a type index
 * that knows every Type@apiVersion used (Microsoft.ContainerRegistry/registries@2025-11-01
 * arrived in Azure.Bicep.Types.Az 0.2.813, which Bicep v0.39.26 was the first to ship, at
 * the very commit; 0.40.2 ships 0.2.830).
 */
export const MIN_BICEP_VERSION = [0, 40, 2] as const;

const deploymentName = (env: Environment) => `aks-lakehouse-${env.name}`;

/** Description of the AcrPull assignment the template makes (container-registry.bicep). */
const OUR_ACR_PULL = 'aks-lakehouse: the AKS kubelet pulls the images the platform builds';

/** Preview the changes a deploy would make. */
export function whatIf(props: RoundTripProps): void {
  const { args, env } = preflight(props);
  run(props, ['deployment', 'group', 'what-if', ...args, '--result-format', 'FullResourcePayloads'], 'what-if', { stream: true, env });
}

/**
 * Validate, then create the deployment, then capture its outputs into
 * environments/<env>.azure.json. The file is replaced only after the outputs parsed.
 */
export function deploy(props: RoundTripProps): AzureOutputs {
  const { env, log, root } = props;
  const { args, env: variables } = preflight(props);
  const { azure } = env;
  // `az group create` on an existing group replaces its tags: create only a missing group.
  const exists = run(props, ['group', 'exists', '--subscription', azure.subscriptionId, '--name', azure.resourceGroup], 'group exists').stdout.trim();
  if (exists === 'false') {
    log(`creating resource group ${azure.resourceGroup} in ${azure.location}`);
    run(props, ['group', 'create', '--subscription', azure.subscriptionId, '--name', azure.resourceGroup, '--location', azure.location, '--tags', 'managed-by=aks-lakehouse', `environment=${env.name}`, '--output', 'none'], 'group create');
  } else if (exists !== 'true') {
    throw new RoundTripError(`az group exists printed ${JSON.stringify(exists)} for ${azure.resourceGroup}; expected true or false`);
  }
  const polaris = deploysPolaris(env);
  // A new password on the first deploy (no secret in the vault yet) or when asked; otherwise
  // none, and the server keeps its own.
  const newPassword = polaris && (props.rotateDatabasePassword || !secretExists(props, polarisKeyVaultSecrets.databasePassword)) ? randomBytes(24).toString('base64url') : '';
  if (newPassword) log(props.rotateDatabasePassword ? 'rotating the PostgreSQL administrator password' : 'generating the PostgreSQL administrator password');
  const deployEnv = { ...variables, [DEPLOY_TIME_VARIABLES.postgresAdminPassword]: newPassword };
  log(`validating ${deploymentName(env)}`);
  run(props, ['deployment', 'group', 'validate', ...args, '--output', 'none'], 'validate', { env: deployEnv });
  log(`deploying ${deploymentName(env)} (this takes a few minutes)`);
  const created = run(props, ['deployment', 'group', 'create', ...args, '--output', 'json'], 'create', { env: deployEnv });
  const outputs = captureOutputs(env, created.stdout);
  if ((env.components as Record<string, unknown>).trino !== undefined && !secretExists(props, trinoKeyVaultSecrets.sharedSecret)) {
    setSecret(props, trinoKeyVaultSecrets.sharedSecret, randomBytes(48).toString('base64url'));
  }
  if (polaris) {
    if (newPassword) setSecret(props, polarisKeyVaultSecrets.databasePassword, newPassword);
    for (const secret of generatedSecrets) {
      if (!secretExists(props, secret.name)) setSecret(props, secret.name, secret.make());
    }
    if (newPassword && props.rotateDatabasePassword) log('restart Polaris once External Secrets has the new password: kubectl -n polaris rollout restart deployment/polaris');
  }
  const file = join(root, 'environments', `${env.name}.azure.json`);
  const staging = `${file}.tmp-${process.pid}`;
  writeFileSync(staging, `${JSON.stringify(outputs, null, 2)}\n`);
  renameSync(staging, file);
  log(`wrote environments/${env.name}.azure.json with ${Object.keys(outputs.identities).length} identities`);
  log(`next: npm run synth && git add environments/${env.name}.azure.json dist bicep/env && git commit`);
  return outputs;
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

function checkLogin(props: RoundTripProps): void {
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

/** Checks the tools, the login and the cluster; returns the deployment arguments and the variables the .bicepparam reads. */
function preflight(props: RoundTripProps): { args: string[]; env: Record<string, string> } {
  const { env, az, root } = props;
  const { azure } = env;
  checkLogin(props);
  checkBicep(az);
  const params = join(root, 'bicep', 'env', `${env.name}.bicepparam`);
  if (!existsSync(params) || !existsSync(join(root, 'bicep', 'env', `${env.name}.workloads.json`))) {
    throw new RoundTripError(`bicep/env/${env.name}.bicepparam or its ledger is missing: run \`npm run synth\` first (it writes both, even before the first deploy)`);
  }
  const cluster = readCluster(props);
  return {
    args: [
      '--subscription', azure.subscriptionId,
      '--resource-group', azure.resourceGroup,
      '--name', deploymentName(env),
      '--template-file', join(root, 'bicep', 'main.bicep'),
      '--parameters', params,
    ],
    env: {
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

function secretExists(props: RoundTripProps, name: string): boolean {
  const call = props.az(['keyvault', 'secret', 'show', '--vault-name', props.env.azure.keyVaultName, '--name', name, '--query', 'id', '--output', 'tsv']);
  return call.status === 0 && call.stdout.trim() !== '';
}

/** Writes a secret from a file readable only by us, so the value is never in a command line. */
function setSecret(props: RoundTripProps, name: string, value: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-secret-'));
  const file = join(dir, 'value');
  try {
    writeFileSync(file, value, { mode: 0o600 });
    run(props, ['keyvault', 'secret', 'set', '--vault-name', props.env.azure.keyVaultName, '--name', name, '--file', file, '--encoding', 'utf-8', '--output', 'none'], `keyvault secret set ${name}`);
    props.log(`stored ${name} in Key Vault ${props.env.azure.keyVaultName}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(props: RoundTripProps, args: string[], step: string, options: AzOptions = {}): AzCall {
  const call = props.az(args, options);
  if (call.status !== 0) {
    throw new RoundTripError(`az ${step} failed for environment ${props.env.name}; environments/${props.env.name}.azure.json was not changed:\n${call.stderr.trim() || '(no output)'}`);
  }
  return call;
}

/** Turns `az deployment group create -o json` into the outputs file, validated. */
export function captureOutputs(env: Environment, stdout: string): AzureOutputs {
  let deployment: any;
  try {
    deployment = JSON.parse(stdout);
  } catch {
    throw new RoundTripError(`az deployment group create printed no JSON for ${env.name}; nothing was written`);
  }
  const state = deployment?.properties?.provisioningState;
  if (state !== 'Succeeded') throw new RoundTripError(`deployment ${deploymentName(env)} ended ${state ?? 'without a state'}; nothing was written`);
  const out = deployment.properties.outputs ?? {};
  const value = (name: string) => out[name]?.value;
  if (out.identities && out.identities.type !== 'Array') {
    throw new RoundTripError(`output identities of ${deploymentName(env)} is ${out.identities.type}, not the Array bicep/main.bicep declares; nothing was written`);
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
    return parseOrThrow(azureOutputsSchema, candidate, `outputs of deployment ${deploymentName(env)}`);
  } catch (e) {
    throw new RoundTripError(`${(e as Error).message}\nnothing was written`);
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
