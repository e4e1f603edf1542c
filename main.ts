// Synthesizes every environment (or those named on the command line) into dist/<env>/,
// writes each environment's ledger and Bicep parameters into bicep/env/, and exits 1
// with precise messages when any setting is wrong, leaving that environment's previous
// dist/<env>/ in place (the other environments are still written).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sharedFiles, synthesize } from './charts/synth';
import { changesOf, describeChanges } from './charts/lib/change-report';
import { PICTURE_FILE } from './charts/lib/platform-picture';
import { readTree, removeStale, replaceDirectory, writeIfChanged } from './charts/lib/output';
import { ConfigError } from './charts/lib/errors';
import { environments } from './environments';
import { cliOutputRefusal } from './scripts/cli-output.mjs';

export function main(root: string, argv: readonly string[]): number {
  // cdk8s sorts keys unless this is set; output must not depend on the caller's shell.
  delete process.env.CDK8S_DISABLE_SORT;
  const only = argv.length > 0 ? argv : undefined;
  const overlap = cliOutputRefusal(root);
  if (overlap) {
    console.error(overlap);
    return 1;
  }
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);
  const unregistered = unregisteredEnvironmentFiles(root, Object.keys(environments));

  let results;
  try {
    results = synthesize({
      environments,
      readOutputs: (name) => read(join(root, 'environments', `${name}.azure.json`)),
    }, only);
  } catch (e) {
    console.error(`synth failed: ${(e as Error).message}`);
    // `npm run synth -- <env>` of a file index.ts lacks: say what to add.
    for (const line of unregistered) console.error(`  ${line}`);
    return 1;
  }

  const bicepEnv = join(root, 'bicep', 'env');
  for (const r of results) {
    if (!r.ledger || !r.bicepParams) continue;
    writeIfChanged(join(bicepEnv, `${r.name}.workloads.json`), `${JSON.stringify(r.ledger, null, 2)}\n`, read);
    writeIfChanged(join(bicepEnv, `${r.name}.bicepparam`), r.bicepParams, read);
    if (r.monitoring) writeIfChanged(join(bicepEnv, `${r.name}.monitoring.json`), `${JSON.stringify(r.monitoring, null, 2)}\n`, read);
  }
  if (!only) removeStale(bicepEnv, /^([a-z0-9]+)\.(?:workloads\.json|bicepparam)$/, new Set(Object.keys(environments)));
  // An environment without monitoring keeps no rule groups or dashboards.
  for (const r of results) if (r.ledger && !r.monitoring) rmSync(join(bicepEnv, `${r.name}.monitoring.json`), { force: true });
  if (!only) removeStale(bicepEnv, /^([a-z0-9]+)\.monitoring\.json$/, new Set(Object.keys(environments)));

  // An environment with a problem keeps its previous dist/<env>/; the others are written.
  const failed = results.filter((r) => r.errors.length > 0);
  const rendered = results.filter((r) => r.errors.length === 0);
  const dist = join(root, 'dist');
  // Under `cdk8s synth` the CLI expects its own output folder too (it empties it first).
  const cliOut = process.env.CDK8S_OUTDIR;
  const reports: string[] = [];
  for (const r of rendered) {
    const files = new Map(r.files!.map((f) => [f.path, f.content]));
    files.set(PICTURE_FILE, r.picture!);
    const tree = readTree(join(dist, r.name));
    const previous = new Map([...tree].filter(([path]) => path.endsWith('.yaml')));
    reports.push(previous.size === 0 ? `${r.name}: new, ${r.files!.length} objects` : describeChanges(r.name, changesOf(previous, r.files!)));
    // Nothing to write when nothing changed (the usual synth): no rename, no touched mtimes.
    const unchanged = tree.size === files.size && [...files].every(([path, content]) => tree.get(path) === content);
    if (!unchanged) replaceDirectory(join(dist, r.name), files);
    if (cliOut) replaceDirectory(join(resolve(root, cliOut), r.name), files);
  }
  for (const [file, content] of sharedFiles()) writeIfChanged(join(dist, file), content, read);
  if (!only) removeStale(dist, /^([a-z0-9]+)$/, new Set(Object.keys(environments)));
  if (rendered.length > 0) console.log(`synthesized ${rendered.map((r) => `${r.name}: ${r.files!.length} objects`).join(', ')}\n${reports.join('\n')}`);

  for (const line of unregistered) console.error(`  ${line}`);
  if (failed.length > 0) {
    for (const r of failed) console.error(r.errors.map((e) => `  ${e.message}`).join('\n'));
    const kept = failed.map((r) => `dist/${r.name}/`).join(', ');
    const ledgers = failed.filter((r) => r.ledger).map((r) => `bicep/env/${r.name}.workloads.json`);
    console.error(`synth failed for ${failed.map((r) => r.name).join(', ')}: ${kept} left unchanged${ledgers.length ? `; ledgers written: ${ledgers.join(', ')}` : ''}`);
    return 1;
  }
  return unregistered.length > 0 ? 1 : 0;
}

/**
 * An environment file that environments/index.ts does not import is never synthesized (the
 * bundle holds what index.ts imports): a copied dev.ts would otherwise pass unnoticed.
 */
export function unregisteredEnvironmentFiles(root: string, registered: readonly string[]): string[] {
  const names = readdirSync(join(root, 'environments'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'index.ts')
    .map((f) => f.slice(0, -'.ts'.length));
  return names
    .filter((name) => !registered.includes(name))
    .sort()
    .map((name) => {
      const expected = /^[a-z][a-z0-9]{1,9}$/.test(name)
        ? `must include ${name} (environments/${name}.ts), which synth skips otherwise: add \`import ${name} from './${name}';\` and ${name} to it`
        : `cannot include environments/${name}.ts as it is named: an environment's name is 2-10 lowercase letters and digits, starting with a letter; rename the file, then import it and add it there`;
      return new ConfigError('environments/index.ts', 'environments', [...registered], expected).message;
    });
}

if (process.env.LAKEHOUSE_ENTRY === '1') {
  process.exitCode = main(resolve(process.env.LAKEHOUSE_ROOT ?? process.cwd()), process.argv.slice(2));
}
