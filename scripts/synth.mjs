// npm run synth [-- <env>...]: see main.ts. Runs from a startup snapshot of the bundle (scripts/snapshot.mjs).
import { cliOutputRefusal } from './cli-output.mjs';
import { root, runTs } from './run-ts.mjs';

// Before any bundle is built: `cdk8s synth --output dist` has to be refused at once.
const refusal = cliOutputRefusal(root);
if (refusal) {
  console.error(refusal);
  process.exit(1);
}
await runTs('scripts/synth-entry.ts', process.argv.slice(2), { snapshot: true });
