import type { EnvironmentInput } from './components';

/**
 * Typed identity for environment files: `export default defineEnvironment({...})`. In a file of
 * its own, with a type-only import, so that what reads an environment file's settings without
 * building the charts (test/trino/access-intent.ts) does not bundle every chart with it.
 */
export function defineEnvironment(env: EnvironmentInput): EnvironmentInput {
  return env;
}
