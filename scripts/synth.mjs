// npm run synth [-- <env>...]: see main.ts. Runs from a startup snapshot of the bundle (scripts/snapshot.mjs).
import { runTs } from './run-ts.mjs';

await runTs('scripts/synth-entry.ts', process.argv.slice(2), { snapshot: true });
