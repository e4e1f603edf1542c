import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { EnvironmentInput } from '../charts/components';
import { EnvironmentResult, synthesize } from '../charts/synth';
import { environments } from '../environments';

export const root = resolve(__dirname, '..');

export function readCommittedOutputs(name: string): unknown {
  const file = join(root, 'environments', `${name}.azure.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

let cached: EnvironmentResult[] | undefined;

/** Every committed environment, synthesized in memory (once per test file). */
export function synthAll(): EnvironmentResult[] {
  cached ??= synthesize({ environments, readOutputs: readCommittedOutputs });
  return cached;
}

export function synthOne(name: string): EnvironmentResult {
  const result = synthAll().find((r) => r.name === name);
  if (!result) throw new Error(`no environment ${name}`);
  if (result.errors.length) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result;
}

/** Synthesizes one modified copy of an environment; returns its result. */
export function synthVariant(
  name: string,
  change: (env: any) => void,
  outputs?: (outputs: any) => void,
): EnvironmentResult {
  const env = structuredClone(environments[name]) as any;
  change(env);
  const baseOutputs = structuredClone(readCommittedOutputs(name)) as any;
  if (outputs) outputs(baseOutputs);
  const input: Record<string, EnvironmentInput> = { [name]: env };
  return synthesize({ environments: input, readOutputs: () => baseOutputs })[0];
}

export function errorsOf(result: EnvironmentResult): string[] {
  return result.errors.map((e) => e.message);
}

/** All rendered objects of an environment. */
export function objects(result: EnvironmentResult): Record<string, any>[] {
  return result.files!.map((f) => f.object);
}

export function find(result: EnvironmentResult, kind: string, name: string, namespace?: string): Record<string, any> {
  const match = objects(result).filter(
    (o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace),
  );
  if (match.length !== 1) throw new Error(`expected one ${kind} ${namespace ?? ''}/${name}, found ${match.length}`);
  return match[0];
}

export function parseYaml(text: string): any {
  return YAML.parse(text);
}

export const envNames = Object.keys(environments).sort();

/** A throwaway copy of the repository (node_modules linked) for end-to-end runs of the CLIs. */
export function copyRepository(): string {
  const copy = mkdtempSync(join(tmpdir(), 'lakehouse-'));
  // With the lockfile a bundle in the copy's .build/ stays current between runs (scripts/run-ts.mjs), as in a clone.
  for (const entry of ['main.ts', 'charts', 'environments', 'imports', 'images', 'scripts', 'dist', 'bicep', 'cdk8s.yaml', 'tsconfig.json', 'package.json', 'package-lock.json']) {
    cpSync(join(root, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}
