// Regenerates imports/ from the CRDs pinned in pinned/ (never from the network) with the cdk8s CLI.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinnedCrds, root } from './pinned.mjs';

const out = process.argv[2] ?? join(root, 'imports');
const staging = mkdtempSync(join(root, '.build', 'imports-'));
const cli = join(root, 'node_modules', '.bin', 'cdk8s');
// `cdk8s import` appends each imported file to cdk8s.yaml's imports: keep the upstream URLs only.
const config = readFileSync(join(root, 'cdk8s.yaml'), 'utf8');
for (const { name, file } of pinnedCrds()) {
  execFileSync(cli, ['import', `${name}:=${file}`, '--no-check-upgrade', '--language', 'typescript', '--output', staging], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
writeFileSync(join(root, 'cdk8s.yaml'), config);
chmodSync(staging, 0o755);
rmSync(out, { recursive: true, force: true });
renameSync(staging, out);
console.log(`imports: ${readdirSync(out).sort().join(', ')}`);
