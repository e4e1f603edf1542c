// Regenerates imports/ from the CRDs pinned in pinned/ (never from the network) with the cdk8s CLI.
//   node scripts/import.mjs [<folder>]   writes imports/ (npm run import), or <folder>
//   node scripts/import.mjs --check      fails unless imports/ is exactly what it would write (npm test)
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pinnedCrds, root } from './pinned.mjs';

const checkOnly = process.argv[2] === '--check';
const out = checkOnly ? undefined : (process.argv[2] ?? join(root, 'imports'));
mkdirSync(join(root, '.build'), { recursive: true });
const staging = mkdtempSync(join(root, '.build', 'imports-'));
const cli = join(root, 'node_modules', '.bin', 'cdk8s');
// `cdk8s import` appends each file it imports to the cdk8s.yaml of its working directory (with
// this machine's path): each import runs in a scratch folder holding a copy of it, so the
// committed file, which names the upstream URLs, is never written, and the imports can run side
// by side (each CLI is a node process of about 1.5 s of CPU, mostly loading its modules).
async function importOne({ name, file }) {
  const scratch = mkdtempSync(join(root, '.build', `import-${name}-`));
  try {
    copyFileSync(join(root, 'cdk8s.yaml'), join(scratch, 'cdk8s.yaml'));
    await promisify(execFile)(cli, ['import', `${name}:=${file}`, '--no-check-upgrade', '--language', 'typescript', '--output', staging], { cwd: scratch });
  } catch (error) {
    throw new Error(`cdk8s import ${name} (${file}) failed: ${error.stderr || error.message}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
const queue = pinnedCrds();
const worker = async () => {
  for (let next = queue.shift(); next; next = queue.shift()) await importOne(next);
};
try {
  await Promise.all(Array.from({ length: Math.min(queue.length, availableParallelism()) }, worker));
} catch (error) {
  rmSync(staging, { recursive: true, force: true });
  console.error(error.message);
  process.exit(1);
}
if (checkOnly) {
  const committed = join(root, 'imports');
  const contents = (dir) => new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
  const [want, have] = [contents(staging), contents(committed)];
  rmSync(staging, { recursive: true, force: true });
  const differ = [...new Set([...want.keys(), ...have.keys()])].filter((name) => want.get(name) !== have.get(name)).sort();
  if (differ.length) {
    console.error(`imports/ differs from a fresh import of the pinned CRDs in ${differ.join(', ')}: run npm run import and commit`);
    process.exit(1);
  }
  console.log(`imports/ is what the cdk8s CLI generates from the ${want.size} pinned CRDs of cdk8s.yaml`);
  process.exit(0);
}
chmodSync(staging, 0o755);
rmSync(out, { recursive: true, force: true });
renameSync(staging, out);
console.log(`imports: ${readdirSync(out).sort().join(', ')}`);
