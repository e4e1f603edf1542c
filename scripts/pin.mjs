// Records an upstream file in pinned/ and pinned/manifest.json.
//
//   node scripts/pin.mjs <pinned path> <repo> <tag> <commit> <upstream path> <local copy of the upstream file>
//
// CRDs are kept byte for byte. Helm chart facts are reduced to what the tests need, so no
// upstream prose is kept: a values.schema.json loses its descriptions and examples, and a
// values.yaml becomes the tree of its keys with the type of each default (values.keys.json).
// The manifest records the upstream URL and the sha256 of both the upstream file and ours.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import YAML from 'yaml';
import { manifestFile, pinnedDir } from './pinned.mjs';

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/** Drops prose keywords; a property that happens to be named `description` is a schema object and stays. */
function withoutProse(node) {
  if (Array.isArray(node)) return node.map(withoutProse);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(['description', 'examples', 'markdownDescription', 'title'].includes(key) && (typeof value === 'string' || Array.isArray(value))))
      .map(([key, value]) => [key, withoutProse(value)]),
  );
}

/** { key: subtree } for maps, the default's type for leaves. */
function keyTree(node) {
  if (node === null) return 'null';
  if (Array.isArray(node)) return 'array';
  if (typeof node !== 'object') return typeof node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, keyTree(value)]));
}

export function derive(pinnedPath, upstream) {
  if (pinnedPath.endsWith('values.schema.json')) return `${JSON.stringify(withoutProse(JSON.parse(upstream)), null, 2)}\n`;
  if (pinnedPath.endsWith('values.keys.json')) return `${JSON.stringify(keyTree(YAML.parse(upstream)), null, 2)}\n`;
  return upstream;
}

/** Writes `content` (derived from `upstream`) to pinned/<pinnedPath> and records it in the manifest. */
export function pin({ pinnedPath, repo, tag, commit, path, upstream, content, derived }) {
  const target = join(pinnedDir, pinnedPath);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  const manifest = existsSync(manifestFile) ? JSON.parse(readFileSync(manifestFile, 'utf8')) : [];
  const entry = {
    file: pinnedPath,
    url: `https://raw.githubusercontent.com/${repo}/${tag}/${path}`,
    commit,
    upstreamSha256: sha256(upstream),
    sha256: sha256(content),
    ...(derived ? { derived } : {}),
  };
  const next = [...manifest.filter((e) => e.file !== pinnedPath), entry].sort((a, b) => (a.file < b.file ? -1 : 1));
  writeFileSync(manifestFile, `${JSON.stringify(next, null, 2)}\n`);
  console.log(`pinned ${pinnedPath}`);
}

if (process.argv[1] === import.meta.filename) {
  const [pinnedPath, repo, tag, commit, path, localCopy] = process.argv.slice(2);
  if (!localCopy) throw new Error('usage: node scripts/pin.mjs <pinned path> <repo> <tag> <commit> <upstream path> <local copy>');
  const upstream = readFileSync(localCopy);
  const content = derive(pinnedPath, upstream.toString('utf8'));
  const derived = content === upstream.toString('utf8') ? undefined : pinnedPath.endsWith('.keys.json') ? 'key tree of the defaults' : 'prose removed';
  pin({ pinnedPath, repo, tag, commit, path, upstream, content, derived });
}
