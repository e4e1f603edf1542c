// Who may do what in an environment's Trino, taken from its source (environments/<env>.ts, parsed
// with the settings schema), not from dist/: the boot test signs in as these users and expects
// Trino, running the generated rules, to allow and refuse what the roles mean.
//
//   (through scripts/run-ts.mjs) access-intent.ts <output json>
import { writeFileSync } from 'node:fs';
import { envFile } from '../../charts/lib/env-file';
import { parseOrThrow } from '../../charts/lib/validation';
import { trinoSettings } from '../../charts/trino/settings';
import { environments } from '../../environments';

const [output] = process.argv.slice(2);
const intent = Object.fromEntries(
  Object.entries(environments).flatMap(([name, env]) => {
    const raw = (env as { components: { trino?: unknown } }).components.trino;
    if (!raw) return [];
    const s = parseOrThrow(trinoSettings, raw, envFile(name));
    return [[name, { access: s.access ?? null, drainUser: s.drainUser }]];
  }),
);
writeFileSync(output, JSON.stringify(intent));
