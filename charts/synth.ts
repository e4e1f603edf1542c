import { HEALTH_CHECKS_FILE, renderHealthChecks } from './argocd/health';
import { bicepParams } from './lib/bicep-params';
import { POLARIS_DATABASE } from './polaris/constants';
import type { PolarisSettings } from './polaris/settings';
import { azureOutputsSchema, AzureOutputs } from './lib/azure-outputs';
import { ConfigError, ConfigErrors } from './lib/errors';
import { envFile } from './lib/env-file';
import { LedgerJson } from './lib/ledger';
import { platformPicture } from './lib/platform-picture';
import { renderApp, RenderedFile } from './lib/render';
import { parseOrThrow } from './lib/validation';
import { buildEnvironmentApp } from './environment-app';
import { Environment, EnvironmentInput, environmentSchema } from './components';
import { environmentMonitoring } from './monitoring/environment';
import type { MonitoringJson } from './monitoring';

export interface SynthInput {
  /** Environment name -> the default export of `environments/<name>.ts`. */
  readonly environments: Readonly<Record<string, EnvironmentInput>>;
  /**
   * Reads `environments/<name>.azure.json`: its text (parsed here), or an already parsed
   * value; undefined when the file does not exist.
   */
  readonly readOutputs: (name: string) => unknown;
}

export interface EnvironmentResult {
  readonly name: string;
  /** Written whenever the environment builds, even before its first deploy. */
  readonly ledger?: LedgerJson;
  readonly bicepParams?: string;
  /** bicep/env/<name>.monitoring.json, when the environment has monitoring. */
  readonly monitoring?: MonitoringJson;
  /** Files of `dist/<name>/`, absent when the environment cannot be rendered. */
  readonly files?: RenderedFile[];
  /** The platform picture (Markdown with Mermaid), written beside the files as PICTURE_FILE. */
  readonly picture?: string;
  readonly errors: Error[];
}

export { envFile };
export const outputsFile = (name: string) => `environments/${name}.azure.json`;

/** Files of dist/ shared by every environment, keyed by file name. */
export function sharedFiles(): Map<string, string> {
  return new Map([[HEALTH_CHECKS_FILE, renderHealthChecks('argocd')]]);
}

/** Builds, validates and renders each environment; never touches the file system. */
export function synthesize(input: SynthInput, only?: readonly string[]): EnvironmentResult[] {
  const names = Object.keys(input.environments).sort();
  for (const name of only ?? []) {
    if (!names.includes(name)) {
      throw new ConfigError('environments/index.ts', 'environments', name, `is not a known environment; expected one of ${names.join(', ')}`);
    }
  }
  const shared = sharedAzureNames(input.environments);
  return names
    .filter((n) => !only || only.includes(n))
    .map((name) => {
      const result = synthesizeOne(name, input);
      const clashes = shared.get(name) ?? [];
      return clashes.length === 0 ? result : { name, ledger: result.ledger, bicepParams: result.bicepParams, errors: [...clashes, ...result.errors] };
    });
}

/** Azure names that must differ between environments: each names resources of its own. */
const OWN_AZURE_NAMES = ['namePrefix', 'storageAccountName', 'keyVaultName', 'containerRegistryName'] as const;

/** Per environment, the errors for Azure names another environment (earlier in name order) already uses. */
function sharedAzureNames(environments: Readonly<Record<string, EnvironmentInput>>): Map<string, ConfigError[]> {
  const owner = new Map<string, string>();
  const errors = new Map<string, ConfigError[]>();
  for (const name of Object.keys(environments).sort()) {
    const azure = (environments[name] as { azure?: Record<string, unknown> })?.azure ?? {};
    for (const key of OWN_AZURE_NAMES) {
      const value = azure[key];
      if (typeof value !== 'string') continue;
      const id = `${key}=${value.toLowerCase()}`;
      const first = owner.get(id);
      if (first === undefined) {
        owner.set(id, name);
        continue;
      }
      const what = key === 'namePrefix' ? 'the identities, database server and deployments it names' : 'that resource';
      errors.set(name, [
        ...(errors.get(name) ?? []),
        new ConfigError(envFile(name), `azure.${key}`, value, `must differ from ${envFile(first)} azure.${key}: both environments would deploy onto ${what}, and each would undo the other's grants`),
      ]);
    }
    // Every environment syncs the same namespaces and cluster-wide objects: one cluster holds one environment.
    const aks = azure.aks as { clusterName?: unknown; resourceGroup?: unknown } | undefined;
    if (typeof aks?.clusterName !== 'string' || typeof aks.resourceGroup !== 'string') continue;
    const cluster = `aks=${String(azure.subscriptionId).toLowerCase()}/${aks.resourceGroup.toLowerCase()}/${aks.clusterName.toLowerCase()}`;
    const first = owner.get(cluster);
    if (first === undefined) owner.set(cluster, name);
    else {
      errors.set(name, [
        ...(errors.get(name) ?? []),
        new ConfigError(envFile(name), 'azure.aks', aks, `must name another cluster than ${envFile(first)} azure.aks: every environment syncs the same namespaces and cluster-wide objects, so two in one cluster would overwrite each other`),
      ]);
    }
  }
  return errors;
}

function synthesizeOne(name: string, input: SynthInput): EnvironmentResult {
  let env: Environment;
  let outputs: AzureOutputs | undefined;
  try {
    env = parseOrThrow(environmentSchema, input.environments[name], envFile(name));
    if (env.name !== name) throw new ConfigError(envFile(name), 'name', env.name, `must equal the file name (${name})`);
    outputs = readOutputs(name, env, input);
  } catch (e) {
    return { name, errors: flatten(e) };
  }

  let built;
  try {
    built = buildEnvironmentApp({ env, envFile: envFile(name), outputs, outputsFile: outputsFile(name) });
  } catch (e) {
    return { name, errors: flatten(e).map((error) => namingTheFile(error, envFile(name))) };
  }
  const ledger = built.platform.ledger.toJson();
  const database = (env.components as { polaris?: PolarisSettings }).polaris?.database;
  const monitoring = environmentMonitoring(env);
  const params = bicepParams(env, envFile(name), database && { administratorLogin: POLARIS_DATABASE.login, databaseName: POLARIS_DATABASE.name, ...database }, monitoring !== undefined);
  const undeployed = built.platform.undeployedError();
  try {
    const files = renderApp(built.app);
    if (undeployed) return { name, ledger, bicepParams: params, monitoring, errors: [undeployed] };
    const picture = platformPicture(name, built.charts.map((c) => ({ component: c.component, namespaces: c.namespaces(), providers: c.providers })), ledger, { storageAccount: env.azure.storageAccountName, keyVault: env.azure.keyVaultName });
    return { name, ledger, bicepParams: params, monitoring, files, picture, errors: [] };
  } catch (e) {
    return { name, ledger, bicepParams: params, monitoring, errors: [...(undeployed ? [undeployed] : []), ...flatten(e).map((error) => namingTheFile(error, envFile(name)))] };
  }
}

/** Another environment whose resource group and storage account these outputs name, if any (a copied outputs file). */
function environmentDeployedAs(outputs: AzureOutputs, environments: SynthInput['environments'], name: string): string | undefined {
  const same = (a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
  return Object.keys(environments)
    .sort()
    .find((other) => {
      const azure = (environments[other] as { azure?: Record<string, unknown> })?.azure;
      return other !== name && same(azure?.subscriptionId, outputs.subscriptionId) && same(azure?.resourceGroup, outputs.resourceGroup) && same(azure?.storageAccountName, outputs.storageAccountName);
    });
}

export function readOutputs(name: string, env: Environment, input: SynthInput): AzureOutputs | undefined {
  const read = input.readOutputs(name);
  if (read === undefined) return undefined;
  const file = outputsFile(name);
  const raw = typeof read === 'string' ? parseOutputsText(read, file, name) : read;
  const outputs = parseOrThrow(azureOutputsSchema, raw, file);
  const copiedFrom = environmentDeployedAs(outputs, input.environments, name);
  if (copiedFrom) {
    throw new ConfigError(file, '(file)', `the outputs of ${copiedFrom}`, `must be ${name}'s own: it names ${envFile(copiedFrom)}'s resource group ${outputs.resourceGroup} and storage account ${outputs.storageAccountName}, as a copied file does; delete it, and \`npm run deploy -- ${name}\` writes ${name}'s`);
  }
  const owners = new Map<string, string>();
  for (const [identity, { clientId }] of Object.entries(outputs.identities).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const owner = owners.get(clientId);
    if (owner) {
      throw new ConfigError(file, `identities.${identity}.clientId`, clientId, `must differ from identities.${owner}.clientId: every identity has its own client ID; run \`npm run deploy -- ${name}\` to rewrite the file`);
    }
    owners.set(clientId, identity);
  }
  const expected: [keyof AzureOutputs, string, string][] = [
    ['tenantId', env.azure.tenantId, 'azure.tenantId'],
    ['subscriptionId', env.azure.subscriptionId, 'azure.subscriptionId'],
    ['resourceGroup', env.azure.resourceGroup, 'azure.resourceGroup'],
  ];
  const errors = expected
    .filter(([key, value]) => outputs[key] !== value)
    .map(
      ([key, value, setting]) =>
        new ConfigError(file, key, outputs[key], `must match ${envFile(name)} ${setting} (${JSON.stringify(value)}); deploy again with \`npm run deploy -- ${name}\` after changing the environment`),
    );
  // Resources that hold data: a new name is a new, empty resource, and nothing moves the data.
  const stateful: [string, string, string, string][] = [
    ['azure.storageAccountName', outputs.storageAccountName, env.azure.storageAccountName, 'holds the lake (every table, checkpoint and job jar): a new name makes Bicep create a new, empty account, and the catalog would still point at the old one'],
    ['azure.keyVaultName', outputs.keyVaultUri.replace(/^https:\/\/|\.vault\.azure\.net\/$/g, ''), env.azure.keyVaultName, 'holds the platform\'s secrets (the Polaris root credentials the realm was bootstrapped with, the database password): a new name makes an empty vault, and the deploy would generate secrets the running platform does not know'],
  ];
  for (const [setting, deployed, wanted, holds] of stateful) {
    if (deployed === wanted) continue;
    errors.push(
      new ConfigError(
        envFile(name),
        setting,
        wanted,
        `cannot replace the deployed ${JSON.stringify(deployed)} (${file}), which ${holds}. Put the name back; to really move, copy the data first and follow docs/azure.md ("Renaming a stateful resource")`,
      ),
    );
  }
  if (outputs.keyVaultSoftDeleteDays !== env.protection.keyVaultSoftDeleteDays) {
    errors.push(
      new ConfigError(
        envFile(name),
        'protection.keyVaultSoftDeleteDays',
        env.protection.keyVaultSoftDeleteDays,
        `cannot change after the vault was created with ${outputs.keyVaultSoftDeleteDays} days (${file}); Azure refuses the update. Put it back, or create a new vault`,
      ),
    );
  }
  if (errors.length > 0) throw new ConfigErrors(errors);
  return outputs;
}

/**
 * The outputs file as JSON. An interrupted deploy leaves it empty or cut short: that is
 * reported alone, before any field is looked at. A UTF-8 byte order mark (Windows tools
 * write one) is not an error.
 */
function parseOutputsText(text: string, file: string, name: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  const redeploy = `the last deploy may have been interrupted; run \`npm run deploy -- ${name}\` again`;
  if (body.trim() === '') throw new ConfigError(file, '(file)', '', `is empty: ${redeploy}`);
  try {
    return JSON.parse(body);
  } catch (e) {
    const start = body.trim().slice(0, 24);
    throw new ConfigError(file, '(file)', `${start}${body.trim().length > 24 ? '...' : ''}`, `is not valid JSON (${(e as Error).message}): ${redeploy}`);
  }
}

/**
 * A check inside a chart or construct (not a setting's schema) can still refuse what an
 * environment asks for; its message then names the environment file it came from.
 */
function namingTheFile(error: Error, file: string): Error {
  if (error instanceof ConfigError || /^[\w./-]+\.(ts|json): /.test(error.message)) return error;
  return new Error(`${file}: ${error.message}`);
}

function flatten(e: unknown): Error[] {
  if (e instanceof ConfigErrors) return [...e.errors];
  return [e instanceof Error ? e : new Error(String(e))];
}
