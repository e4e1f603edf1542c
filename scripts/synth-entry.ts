// What `npm run synth` bundles (scripts/synth.mjs): main.ts with everything it loads, cdk8s
// included, in one file. Node runs that file as it is, or first turns it into a V8 startup
// snapshot (scripts/snapshot.mjs): then this module and all it imports are already loaded when
// a synth starts, and synth begins at the function set below. docs/testing.md, "Performance".
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { startupSnapshot } from 'node:v8';
import { synthesize } from '../charts/synth';
import { environments } from '../environments';
import { main } from '../main';
import { snapshotIsCurrent } from './bundle-state.mjs';
import { sourceLocation } from './source-location.mjs';

if (startupSnapshot.isBuildingSnapshot()) {
  const bundle = __filename;
  warmUp(process.env.LAKEHOUSE_ROOT!);
  startupSnapshot.setDeserializeMainFunction(() => {
    const root = process.env.LAKEHOUSE_ROOT ?? process.cwd();
    const args = process.argv.slice(1);
    // Started by scripts/synth.sh without a check: a snapshot older than the sources (or of
    // another node) hands over to scripts/synth.mjs, which rebuilds what is stale.
    if (process.env.LAKEHOUSE_SNAPSHOT_CHECKED !== '1' && !snapshotIsCurrent(root, join(root, '.build', basename(bundle)))) {
      const handedOver = spawnSync(process.execPath, [join(root, 'scripts', 'synth.mjs'), ...args], { stdio: 'inherit' });
      process.exitCode = handedOver.status ?? 1;
      return;
    }
    try {
      process.exitCode = main(root, args);
    } catch (error) {
      console.error(`synth failed: ${sourceLocation(error, bundle, root) ?? 'main.ts'}: ${(error as Error)?.message ?? error}`);
      process.exitCode = 1;
    }
  });
}

/**
 * One synthesis in memory before the heap is saved, so that the functions a synth calls are
 * compiled already. Nothing is written and nothing is kept: the project's modules hold no
 * state between syntheses (each builds its own cdk8s App), and the outputs are read again
 * by every synth from the snapshot.
 */
function warmUp(root: string): void {
  const read = (name: string) => {
    try {
      return readFileSync(join(root, 'environments', `${name}.azure.json`), 'utf8');
    } catch {
      return undefined;
    }
  };
  try {
    synthesize({ environments, readOutputs: read });
  } catch {
    // A setting that fails synth fails it again, with its message, when the snapshot runs.
  }
}
