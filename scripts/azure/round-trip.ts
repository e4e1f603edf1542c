import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { azureOutputsSchema, AzureOutputs } from '../../charts/lib/azure-outputs';
import { parseOrThrow } from '../../charts/lib/validation';
import type { Environment } from '../../charts/components';

/** An error the user can act on; the CLI prints its message and exits 1. */
export class RoundTripError extends Error {}

export interface AzCall {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly missing: boolean;
}

/** Runs `az` with `args`; inherits the terminal when `stream` (what-if output is for humans). */
export type Az = (args: string[], stream?: boolean) => AzCall;

export const realAz: Az = (args, stream = false) => {
  const r = spawnSync('az', args, { encoding: 'utf8', stdio: stream ? 'inherit' : 'pipe', maxBuffer: 64 * 1024 * 1024 });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', missing };
};

export interface RoundTripProps {
  readonly root: string;
  readonly env: Environment;
  readonly az: Az;
  readonly log: (line: string) => void;
}

const deploymentName = (env: Environment) => `aks-lakehouse-${env.name}`;

/** Preview the changes a deploy would make. */
export function whatIf(props: RoundTripProps): void {
  const target = preflight(props);
  run(props, ['deployment', 'group', 'what-if', ...target, '--result-format', 'FullResourcePayloads'], 'what-if', true);
}

/**
 * Validate, then create the deployment, then capture its outputs into
 * environments/<env>.azure.json. The file is replaced only after the outputs parsed.
 */
export function deploy(props: RoundTripProps): AzureOutputs {
  const { env, log, root } = props;
  const target = preflight(props);
  const { azure } = env;
  log(`ensuring resource group ${azure.resourceGroup} in ${azure.location}`);
  run(props, ['group', 'create', '--subscription', azure.subscriptionId, '--name', azure.resourceGroup, '--location', azure.location, '--tags', 'managed-by=aks-lakehouse', `environment=${env.name}`, '--output', 'none'], 'group create');
  log(`validating ${deploymentName(env)}`);
  run(props, ['deployment', 'group', 'validate', ...target, '--output', 'none'], 'validate');
  log(`deploying ${deploymentName(env)} (this takes a few minutes)`);
  const created = run(props, ['deployment', 'group', 'create', ...target, '--output', 'json'], 'create');
  const outputs = captureOutputs(env, created.stdout);
  const file = join(root, 'environments', `${env.name}.azure.json`);
  const staging = `${file}.tmp-${process.pid}`;
  writeFileSync(staging, `${JSON.stringify(outputs, null, 2)}\n`);
  renameSync(staging, file);
  log(`wrote environments/${env.name}.azure.json with ${Object.keys(outputs.identities).length} identities`);
  log(`next: npm run synth && git add environments/${env.name}.azure.json dist bicep/env && git commit`);
  return outputs;
}

function preflight(props: RoundTripProps): string[] {
  const { env, az, root } = props;
  const version = az(['version', '--output', 'json']);
  if (version.missing) {
    throw new RoundTripError('the Azure CLI (az) is not on PATH: install it (2.61 or later) and the Bicep CLI (`az bicep install`, 0.36 or later), then retry');
  }
  const account = az(['account', 'show', '--output', 'json']);
  if (account.status !== 0) {
    throw new RoundTripError(`az is not logged in: run \`az login --tenant ${env.azure.tenantId}\`, then retry (${firstLine(account.stderr)})`);
  }
  const tenant = JSON.parse(account.stdout).tenantId;
  if (tenant !== env.azure.tenantId) {
    throw new RoundTripError(`az is logged in to tenant ${tenant}, but environments/${env.name}.ts azure.tenantId is ${env.azure.tenantId}: run \`az login --tenant ${env.azure.tenantId}\``);
  }
  const params = join('bicep', 'env', `${env.name}.bicepparam`);
  if (!existsSync(join(root, params)) || !existsSync(join(root, 'bicep', 'env', `${env.name}.workloads.json`))) {
    throw new RoundTripError(`${params} or its ledger is missing: run \`npm run synth\` first (it writes both, even before the first deploy)`);
  }
  return [
    '--subscription', env.azure.subscriptionId,
    '--resource-group', env.azure.resourceGroup,
    '--name', deploymentName(env),
    '--template-file', join('bicep', 'main.bicep'),
    '--parameters', params,
  ];
}

function run(props: RoundTripProps, args: string[], step: string, stream = false): AzCall {
  const call = props.az(args, stream);
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
  const identities = (value('identities') ?? []) as { name: string; clientId: string; principalId: string }[];
  const candidate = {
    tenantId: value('tenantId'),
    subscriptionId: value('subscriptionId'),
    resourceGroup: value('resourceGroup'),
    storageAccountName: value('storageAccountName'),
    storageEndpoints: value('storageEndpoints'),
    keyVaultUri: value('keyVaultUri'),
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
