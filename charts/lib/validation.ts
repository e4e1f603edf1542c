import { z } from 'zod';
import { ConfigError, ConfigErrors } from './errors';

/** Field rules shared by the environment model and the captured Azure outputs. */
export const rules = {
  guid: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a lowercase GUID'),
  dnsLabel: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and hyphens, at most 63'),
  // https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
  storageAccountName: z.string().regex(/^[a-z0-9]{3,24}$/, 'must be 3-24 lowercase letters and digits (Azure storage account rule)'),
  keyVaultName: z
    .string()
    .regex(/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/, 'must be 3-24 letters, digits and single hyphens, starting with a letter (Azure Key Vault rule)'),
  containerRegistryName: z.string().regex(/^[a-zA-Z0-9]{5,50}$/, 'must be 5-50 letters and digits (Azure Container Registry rule)'),
  resourceGroupName: z.string().regex(/^[-\w.()]{0,89}[-\w()]$/, 'must be 1-90 letters, digits, ., _, -, ( or ), not ending in a period'),
  location: z.string().regex(/^[a-z][a-z0-9]+$/, 'must be an Azure region name such as westeurope'),
  resourceId: z
    .string()
    .regex(/^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/[^/]+\/.+$/i, 'must be a full Azure resource ID'),
  cidr: z
    .string()
    .regex(/^(\d{1,3}\.){3}\d{1,3}(\/([0-9]|[12][0-9]|3[0-2]))?$/, 'must be an IPv4 address or CIDR range'),
  image: z
    .string()
    .regex(/^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._/-]+(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/, 'must be a fully qualified image reference pinned to a tag or digest'),
  quantity: z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$/, 'must be a Kubernetes quantity such as 500m or 4Gi'),
};

/**
 * Parses `input` with `schema` and turns every issue into a ConfigError of the form
 * `<file>: <key> (<value>) <expected>`. Throws ConfigErrors with all of them.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, file: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigErrors(result.error.issues.flatMap((issue) => toConfigErrors(schema, issue, input, file)));
}

function toConfigErrors(schema: z.ZodType, issue: z.core.$ZodIssue, input: unknown, file: string): ConfigError[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const what = path.length === 1 && path[0] === 'components' ? 'a known component' : 'a known setting';
    const known = objectKeysAt(schema, path);
    return issue.keys.map((key) => {
      const keyPath = [...path, key];
      return new ConfigError(file, keyPath.join('.'), valueAt(input, keyPath), `is not ${what}; expected one of ${known.join(', ')}`);
    });
  }
  return [new ConfigError(file, path.join('.') || '(root)', valueAt(input, path), expectation(issue))];
}

/** The keys an object schema allows at `path`, looking through optional, default and pipe wrappers. */
function objectKeysAt(schema: z.ZodType, path: readonly string[]): string[] {
  let current: unknown = schema;
  for (const key of [...path, '']) {
    for (let guard = 0; guard < 10; guard++) {
      const def = (current as { _zod: { def: { innerType?: unknown; in?: unknown } } })._zod.def;
      if (def.innerType) current = def.innerType;
      else if (def.in) current = def.in;
      else break;
    }
    if (key === '') break;
    if (!(current instanceof z.ZodObject)) return [];
    current = current.shape[key];
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape).sort() : [];
}

function expectation(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    return issue.message.startsWith('Invalid input') ? `must be a ${issue.expected}` : issue.message;
  }
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
    const unit = issue.origin === 'number' || issue.origin === 'int' ? '' : ` ${issue.origin === 'array' ? 'items' : 'characters'}`;
    return issue.message.startsWith('Too ') ? `must be ${op} ${issue.code === 'too_small' ? issue.minimum : issue.maximum}${unit}` : issue.message;
  }
  return issue.message;
}

function valueAt(input: unknown, path: readonly string[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
