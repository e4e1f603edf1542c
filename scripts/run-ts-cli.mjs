// node scripts/run-ts-cli.mjs <entry.ts> [args...]: bundle and run a TypeScript entry point.
import { runTs } from './run-ts.mjs';

await runTs(process.argv[2], process.argv.slice(3));
