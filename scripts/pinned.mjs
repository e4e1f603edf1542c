// The upstream files this repository pins (pinned/manifest.json), resolved to their local
// copies. `npm run import`, the schema tests and the Helm values tests all read them here.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { root } from './run-ts.mjs';

export { root };
export const pinnedDir = join(root, 'pinned');
export const manifestFile = join(pinnedDir, 'manifest.json');

/** Every manifest entry, with `path` (absolute) added. */
export function pinnedFiles() {
  return JSON.parse(readFileSync(manifestFile, 'utf8')).map((e) => ({ ...e, path: join(pinnedDir, e.file) }));
}

/** Entries whose file content no longer has the recorded sha256, as messages. */
export function pinnedMismatches() {
  return pinnedFiles()
    .filter((e) => createHash('sha256').update(readFileSync(e.path)).digest('hex') !== e.sha256)
    .map((e) => `pinned/${e.file} does not match the sha256 recorded in pinned/manifest.json`);
}

/** [{ name, url, file }] for every import of cdk8s.yaml; each URL must be pinned. */
export function pinnedCrds() {
  const config = YAML.parse(readFileSync(join(root, 'cdk8s.yaml'), 'utf8'));
  const byUrl = new Map(pinnedFiles().map((e) => [e.url, e.path]));
  return config.imports.map((spec) => {
    const [name, url] = spec.split(':=');
    const file = byUrl.get(url);
    if (!file) throw new Error(`cdk8s.yaml import ${name}: ${url} is not in pinned/manifest.json (pin it with scripts/pin.mjs)`);
    return { name, url, file };
  });
}

/** The pinned file `file` (relative to pinned/), parsed as JSON. */
export function pinnedJson(file) {
  return JSON.parse(readFileSync(join(pinnedDir, file), 'utf8'));
}
