import { HEALTH_CHECKS_FILE, renderHealthChecks } from './argocd/health';
import { bicepParams } from './lib/bicep-params';
import { azureOutputsSchema, AzureOutputs } from './lib/azure-outputs';
import { ConfigError, ConfigErrors } from './lib/errors';
import { LedgerJson } from './lib/ledger';
import { renderApp, RenderedFile } from './lib/render';
import { parseOrThrow } from './lib/validation';
import { buildEnvironmentApp } from './environment-app';
import { Environment, EnvironmentInput, environmentSchema } from './components';

export interface SynthInput {
  /** Environment name -> the default export of `environments/<name>.ts`. */
  readonly environments: Readonly<Record<string, EnvironmentInput>>;
  /** Reads `environments/<name>.azure.json`; undefined when the file does not exist. */
  readonly readOutputs: (name: string) => unknown;
}

export interface EnvironmentResult {
  readonly name: string;
  /** Written whenever the environment builds, even before its first deploy. */
  readonly ledger?: LedgerJson;
  readonly bicepParams?: string;
  /** Files of `dist/<name>/`, absent when the environment cannot be rendered. */
  readonly files?: RenderedFile[];
  readonly errors: Error[];
}

export const envFile = (name: string) => `environments/${name}.ts`;
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
  return names.filter((n) => !only || only.includes(n)).map((name) => synthesizeOne(name, input));
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
    return { name, errors: flatten(e) };
  }
  const ledger = built.platform.ledger.toJson();
  const params = bicepParams(env, envFile(name));
  try {
    return { name, ledger, bicepParams: params, files: renderApp(built.app), errors: [] };
  } catch (e) {
    return { name, ledger, bicepParams: params, errors: flatten(e) };
  }
}

function readOutputs(name: string, env: Environment, input: SynthInput): AzureOutputs | undefined {
  const raw = input.readOutputs(name);
  if (raw === undefined) return undefined;
  const file = outputsFile(name);
  const outputs = parseOrThrow(azureOutputsSchema, raw, file);
  const expected: [keyof AzureOutputs, string, string][] = [
    ['tenantId', env.azure.tenantId, 'azure.tenantId'],
    ['subscriptionId', env.azure.subscriptionId, 'azure.subscriptionId'],
    ['resourceGroup', env.azure.resourceGroup, 'azure.resourceGroup'],
    ['storageAccountName', env.azure.storageAccountName, 'azure.storageAccountName'],
    ['keyVaultUri', `https://${env.azure.keyVaultName}.vault.azure.net/`, 'azure.keyVaultName'],
  ];
  const errors = expected
    .filter(([key, value]) => outputs[key] !== value)
    .map(
      ([key, value, setting]) =>
        new ConfigError(file, key, outputs[key], `must match ${envFile(name)} ${setting} (${JSON.stringify(value)}); deploy again with \`npm run deploy -- ${name}\` after changing the environment`),
    );
  if (errors.length > 0) throw new ConfigErrors(errors);
  return outputs;
}

function flatten(e: unknown): Error[] {
  if (e instanceof ConfigErrors) return [...e.errors];
  return [e instanceof Error ? e : new Error(String(e))];
}
