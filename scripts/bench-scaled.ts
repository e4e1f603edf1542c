// Synthesizes a scaled model in memory: every committed environment copied `copies` times.
import { synthesize } from '../charts/synth';
import { environments } from '../environments';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

if (process.env.LAKEHOUSE_ENTRY === '1') {
  const copies = Number(process.argv[2] ?? 10);
  const root = process.env.LAKEHOUSE_ROOT!;
  const scaled: Record<string, any> = {};
  const source: Record<string, string> = {};
  for (let i = 0; i < copies; i++) {
    const base = Object.keys(environments).sort()[i % Object.keys(environments).length];
    const name = `${base.slice(0, 4)}${i}`;
    scaled[name] = { ...environments[base], name };
    source[name] = base;
  }
  // One call per copy: the copies share the Azure names of their source, which synth refuses within one run.
  const results = Object.keys(scaled).flatMap((name) =>
    synthesize({
      environments: { [name]: scaled[name] },
      readOutputs: (n) => {
        const file = join(root, 'environments', `${source[n]}.azure.json`);
        return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
      },
    }),
  );
  const failed = results.filter((r) => r.errors.length > 0);
  if (failed.length) throw new Error(failed.flatMap((r) => r.errors.map((e) => e.message)).join('\n'));
  const objects = results.reduce((n, r) => n + r.files!.length, 0);
  console.log(`scaled model: ${copies} environments, ${objects} objects`);
}
