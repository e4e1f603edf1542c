// Pins the Azure resource types the Bicep uses, from the type index the Bicep compiler
// itself is built from (GitHub Azure/bicep-types-az, generated/<rp>/<provider>/<version>/types.json).
//
//   node scripts/pin-azure-types.mjs <git dir of a bicep-types-az snapshot> <commit> <Type@apiVersion>...
//
// Each provider/version file is reduced to the types reachable from the resource types we
// use, without descriptions, and written to pinned/azure-types/<provider>@<version>.json.
// scripts/check_bicep_types.py reads them in place of `bicep build`.
import { execFileSync } from 'node:child_process';
import { pin } from './pin.mjs';

const [gitDir, commit, ...specs] = process.argv.slice(2);
if (!gitDir || !commit || specs.length === 0) throw new Error('usage: node scripts/pin-azure-types.mjs <git dir> <commit> <Type@apiVersion>...');
const git = (...args) => execFileSync('git', ['-C', gitDir, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
const files = git('ls-tree', '-r', '--name-only', commit, 'generated/').split('\n').filter((f) => f.endsWith('/types.json'));

/** The types of `list` reachable from `roots` (indices), renumbered, descriptions removed. */
function reachable(list, roots) {
  const order = [];
  const index = new Map();
  const visit = (i) => {
    if (index.has(i)) return;
    index.set(i, -1);
    const walk = (node) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        if (typeof node.$ref === 'string' && node.$ref.startsWith('#/')) visit(Number(node.$ref.slice(2)));
        else Object.values(node).forEach(walk);
      }
    };
    walk(list[i]);
    index.set(i, order.length);
    order.push(i);
  };
  roots.forEach(visit);
  const rewrite = (node) => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#/')) return { $ref: `#/${index.get(Number(node.$ref.slice(2)))}` };
    // A `description` string is prose; a property that is named description is an object.
    return Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'description' && typeof v === 'string')).map(([k, v]) => [k, rewrite(v)]));
  };
  return order.map((i) => rewrite(list[i]));
}

const byFile = new Map();
for (const spec of specs) {
  const [type, version] = spec.split('@');
  const provider = type.split('/')[0].toLowerCase();
  const candidates = files.filter((f) => f.endsWith(`/${provider}/${version}/types.json`));
  let found;
  for (const file of candidates) {
    const list = byFile.get(file)?.list ?? JSON.parse(git('show', `${commit}:${file}`));
    const i = list.findIndex((t) => t.$type === 'ResourceType' && t.name.toLowerCase() === spec.toLowerCase());
    if (i >= 0) {
      found = file;
      const entry = byFile.get(file) ?? { list, roots: [], provider, version };
      entry.roots.push(i);
      byFile.set(file, entry);
      break;
    }
  }
  if (!found) throw new Error(`${spec}: no such resource type in ${candidates.join(', ') || 'any provider folder'}`);
}

for (const [file, { list, roots, provider, version }] of byFile) {
  const upstream = git('show', `${commit}:${file}`);
  const content = `${JSON.stringify(reachable(list, roots))}\n`;
  pin({
    pinnedPath: `azure-types/${provider}@${version}.json`,
    repo: 'Azure/bicep-types-az',
    tag: commit,
    commit,
    path: file,
    upstream: Buffer.from(upstream),
    content,
    derived: `the types reachable from ${roots.map((i) => list[i].name).sort().join(', ')}; descriptions removed`,
  });
}
