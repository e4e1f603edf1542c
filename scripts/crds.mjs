// The pinned CRDs of cdk8s.yaml, resolved to local copies. Used by `npm run import` and by
// the schema validation, so both read the same files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import YAML from 'yaml';
import { root } from './run-ts.mjs';

export { root };

/** Where the pinned CRD copies are: $CRD_DIR, or ../shared/crds beside the repository. */
export function crdDir() {
  const dir = process.env.CRD_DIR ?? resolve(root, '..', 'shared', 'crds');
  if (!existsSync(dir)) {
    throw new Error(
      `CRD directory ${dir} does not exist: set CRD_DIR to a folder holding the CRDs listed in cdk8s.yaml (download them from the URLs there)`,
    );
  }
  return dir;
}

/** [{ name, url, file }] for every import in cdk8s.yaml. */
export function pinnedCrds() {
  const config = YAML.parse(readFileSync(join(root, 'cdk8s.yaml'), 'utf8'));
  const dir = crdDir();
  const local = new Map();
  for (const sub of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const f of readdirSync(join(dir, sub.name))) local.set(f, join(dir, sub.name, f));
  }
  return config.imports.map((spec) => {
    const [name, url] = spec.split(':=');
    const file = local.get(basename(url));
    if (!file) throw new Error(`cdk8s.yaml import ${name}: no local copy of ${basename(url)} under ${dir}`);
    return { name, url, file };
  });
}
