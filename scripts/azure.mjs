// npm run what-if -- <env> | npm run deploy -- <env>: see scripts/azure/round-trip.ts.
import { runTs } from './run-ts.mjs';

await runTs('scripts/azure/cli.ts', process.argv.slice(2));
