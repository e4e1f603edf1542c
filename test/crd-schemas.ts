import Ajv, { ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
// @ts-expect-error plain ESM helper shared with the import script
import { pinnedCrds } from '../scripts/pinned.mjs';

export interface CrdSchema {
  readonly validate: ValidateFunction;
  readonly schema: any;
}

/**
 * JSON schemas of every pinned CRD version we may render, keyed `apiVersion/kind`.
 * Objects with declared properties reject unknown fields (the API server's strict field
 * validation, which kubectl and Argo CD server-side apply use) unless the schema
 * preserves unknown fields.
 */
let cache: Map<string, CrdSchema> | undefined;

export function loadCrdSchemas(): Map<string, CrdSchema> {
  cache ??= compileCrdSchemas();
  return cache;
}

function compileCrdSchemas(): Map<string, CrdSchema> {
  // Without ajv's optimizing pass the validators are the same and compile in about half the
  // time (these CRD schemas are large: FlinkDeployment alone took 1.8 s of CPU).
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { optimize: false } });
  const schemas = new Map<string, CrdSchema>();
  for (const { file } of pinnedCrds() as { file: string }[]) {
    const crd = YAML.parse(readFileSync(file, 'utf8'));
    for (const version of crd.spec.versions) {
      if (!version.served) continue;
      const schema = strict(structuredClone(version.schema.openAPIV3Schema));
      // metadata, apiVersion and kind are the API server's own, whether the CRD lists them or not
      // (the Flink operator's CRDs do not).
      schema.properties.metadata = { type: 'object' };
      schema.properties.apiVersion ??= { type: 'string' };
      schema.properties.kind ??= { type: 'string' };
      const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
      schemas.set(key, { validate: ajv.compile(schema), schema: version.schema.openAPIV3Schema });
    }
  }
  return schemas;
}

/**
 * Rejects unknown fields where the schema lists properties, as the API server's strict
 * field validation does; not inside anyOf/oneOf/allOf branches, which only constrain values
 * (structural schemas take their fields from the enclosing object).
 */
function strict(node: any, inBranch = false): any {
  if (!node || typeof node !== 'object') return node;
  if (node['x-kubernetes-int-or-string']) {
    const { type: _type, ...rest } = node;
    return { ...rest, anyOf: [{ type: 'integer' }, { type: 'string' }] };
  }
  if (node.nullable) node.type = [node.type, 'null'];
  if (node.properties) {
    for (const key of Object.keys(node.properties)) node.properties[key] = strict(node.properties[key]);
    if (!inBranch && node.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) node.additionalProperties = false;
  }
  if (node.items) node.items = strict(node.items);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') node.additionalProperties = strict(node.additionalProperties);
  for (const key of ['anyOf', 'oneOf', 'allOf']) if (node[key]) node[key] = node[key].map((branch: any) => strict(branch, true));
  return node;
}

/**
 * Paths where the CRD defines a default for a field we leave out, inside a list item.
 * The API server fills those in; Argo CD then compares list items whole and reports the
 * resource OutOfSync forever (external-secrets issues #6797, #6887).
 */
export function defaultsLeftOut(schema: any, value: any, path = '', inList = false): string[] {
  if (!schema || value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => defaultsLeftOut(schema.items, item, `${path}[${i}]`, true));
  const found: string[] = [];
  for (const [key, sub] of Object.entries<any>(schema.properties ?? {})) {
    if (key in value) found.push(...defaultsLeftOut(sub, value[key], `${path}.${key}`, inList));
    else if (inList && sub.default !== undefined) found.push(`${path}.${key} (default ${JSON.stringify(sub.default)})`);
  }
  return found;
}
