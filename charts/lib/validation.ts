import * as z from 'zod/mini';
import { AZURE_REGIONS, closestRegion } from './azure-regions';
import { ConfigError, ConfigErrors } from './errors';

/** A string matching `re`; `expected` completes the sentence "<key> (<value>) ...". */
export const pattern = (re: RegExp, expected: string) => z.string().check(z.regex(re, expected));

/**
 * An integer in [min, max]. (Not z.int(): its own safe-integer bound would be reported
 * beside, or instead of, the real one.)
 */
export const integer = (min: number, max: number) =>
  z.number().check(z.refine((n: number) => Number.isInteger(n), 'must be an integer'), z.minimum(min), z.maximum(max));

/**
 * A list check: no two items share `key` (names become object names, and a second object of
 * one name would replace the first or fail deep inside cdk8s).
 */
export const uniqueBy = <T extends Record<string, unknown>>(key: keyof T & string) =>
  z.superRefine((items: T[], ctx) => {
    const first = new Map<unknown, number>();
    items.forEach((item, i) => {
      const seen = first.get(item[key]);
      if (seen === undefined) first.set(item[key], i);
      else ctx.addIssue({ code: 'custom', path: [i, key], message: `must be unique: item ${seen} has the same ${key}`, input: item[key] });
    });
  });

/**
 * A list check: no entry written twice (ignoring case: addresses, IDs and e-mail addresses
 * compare so). `why` says what a repeat would do, where more than a duplicate.
 */
export const distinct = (why?: string) =>
  z.superRefine((items: string[], ctx) => {
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      const seen = first.get(item.toLowerCase());
      if (seen === undefined) first.set(item.toLowerCase(), i);
      else ctx.addIssue({ code: 'custom', path: [i], message: `must not repeat item ${seen}${why ? `: ${why}` : ''}`, input: item });
    });
  });

/**
 * A regular expression that compiles. Checked with JavaScript's RegExp: Java's Pattern, which
 * Kafka and Flink use, reads the same syntax for everything but possessive quantifiers and
 * atomic groups, which are accepted here as written.
 */
export const regex = z.string().check(
  z.minLength(1),
  z.refine((s: string) => {
    try {
      new RegExp(s.replace(/\(\?>/g, '(?:').replace(/([*+?}])\+/g, '$1'));
      return true;
    } catch {
      return false;
    }
  }, 'must be a valid regular expression (unbalanced brackets or a quantifier with nothing to repeat?)'),
);

/** Field rules shared by the environment model and the captured Azure outputs. */
export const rules = {
  guid: pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a lowercase GUID'),
  dnsLabel: pattern(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and hyphens, at most 63'),
  // https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
  storageAccountName: pattern(/^[a-z0-9]{3,24}$/, 'must be 3-24 lowercase letters and digits (Azure storage account rule)'),
  keyVaultName: pattern(
    /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/,
    'must be 3-24 letters, digits and single hyphens, starting with a letter (Azure Key Vault rule)',
  ),
  containerRegistryName: pattern(/^[a-zA-Z0-9]{5,50}$/, 'must be 5-50 letters and digits (Azure Container Registry rule)'),
  resourceGroupName: pattern(/^[-\w.()]{0,89}[-\w()]$/, 'must be 1-90 letters, digits, ., _, -, ( or ), not ending in a period'),
  location: z.string().check(
    z.superRefine((name: string, ctx) => {
      if (AZURE_REGIONS.includes(name)) return;
      ctx.addIssue({ code: 'custom', message: `must be an Azure region name; did you mean ${closestRegion(name)}? (known regions: charts/lib/azure-regions.ts)`, input: name });
    }),
  ),
  // A workspace name is 4-63 letters, digits and hyphens, starting and ending with a letter or digit.
  logAnalyticsWorkspaceId: pattern(
    /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.OperationalInsights\/workspaces\/[a-z0-9][a-z0-9-]{2,61}[a-z0-9]$/i,
    'must be a Log Analytics workspace resource ID: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>',
  ),
  // Pinned: a digest (preferred), a tag and digest, or a tag other than `latest`, which moves.
  image: pattern(
    /^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._/-]+(:(?!latest(@|$))\w[\w.-]{0,127}(@sha256:[a-f0-9]{64})?|@sha256:[a-f0-9]{64})$/,
    'must be a fully qualified image reference pinned to a digest (registry/repo@sha256:...) or a tag other than latest',
  ),
};

/**
 * Parses `input` with `schema` and turns every issue into a ConfigError of the form
 * `<file>: <key> (<value>) <expected>`. Throws ConfigErrors with all of them.
 */
export function parseOrThrow<S extends z.ZodMiniType>(schema: S, input: unknown, file: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigErrors(result.error.issues.flatMap((issue) => toConfigErrors(schema, issue, input, file)));
}

function toConfigErrors(schema: z.ZodMiniType, issue: z.core.$ZodIssue, input: unknown, file: string): ConfigError[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const what = path.length === 1 && path[0] === 'components' ? 'a known component' : 'a known setting';
    const known = objectKeysAt(schema, path);
    return issue.keys.map((key) => {
      const keyPath = [...path, key];
      return new ConfigError(file, keyPath.join('.'), valueAt(input, keyPath), `is not ${what}; expected one of ${known.join(', ')}`);
    });
  }
  if (issue.code === 'invalid_key') {
    // A record key that breaks its rule: the key itself is the value, the nested issue says why.
    const nested = issue.issues.map((i) => expectation(i as z.core.$ZodIssue)).join('; ');
    return [new ConfigError(file, path.join('.'), path[path.length - 1], nested || expectation(issue))];
  }
  return [new ConfigError(file, path.join('.') || '(root)', valueAt(input, path), expectation(issue))];
}

/**
 * The keys an object schema allows at `path`, looking through optional, default and pipe
 * wrappers, list items and record values.
 */
function objectKeysAt(schema: z.ZodMiniType, path: readonly string[]): string[] {
  type Def = { type: string; innerType?: unknown; in?: unknown; shape?: Record<string, unknown>; element?: unknown; valueType?: unknown };
  let def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  const unwrap = () => {
    for (let guard = 0; guard < 10 && (def.innerType || def.in); guard++) {
      def = ((def.innerType ?? def.in) as { _zod: { def: Def } })._zod.def;
    }
  };
  for (const key of path) {
    unwrap();
    const next = def.type === 'object' ? def.shape?.[key] : def.type === 'array' ? def.element : def.type === 'record' ? def.valueType : undefined;
    if (!next) return [];
    def = (next as { _zod: { def: Def } })._zod.def;
  }
  unwrap();
  return def.type === 'object' ? Object.keys(def.shape ?? {}).sort() : [];
}

/** zod/mini loads no locale: its own messages are generic, so messages are written here. */
const GENERIC = 'Invalid input';

function expectation(issue: z.core.$ZodIssue): string {
  const custom = issue.message !== GENERIC ? issue.message : undefined;
  switch (issue.code) {
    case 'invalid_type':
      return custom ?? (issue.expected === 'int' ? 'must be an integer' : `must be a ${issue.expected}`);
    case 'invalid_value':
      return custom ?? `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
    case 'too_big': {
      const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      const unit = issue.origin === 'number' || issue.origin === 'int' ? '' : ` ${issue.origin === 'array' ? 'items' : 'characters'}`;
      return custom ?? `must be ${op} ${issue.code === 'too_small' ? issue.minimum : issue.maximum}${unit}`;
    }
    case 'invalid_format':
      return custom ?? `must match ${issue.pattern ?? issue.format}`;
    default:
      return custom ?? 'is not valid';
  }
}

function valueAt(input: unknown, path: readonly string[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
