// npm run synth [-- <env>...]: see main.ts.
import { runTs } from './run-ts.mjs';

await runTs('main.ts', process.argv.slice(2));
