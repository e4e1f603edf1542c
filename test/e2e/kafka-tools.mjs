// Kafka's command-line tools several times in one JVM (kafka-tools/InOrder.java), built once into
// the cache: the topics Job's commands, one after another as its shell runs them, without a JVM
// start for each.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cache, cachedFolder, root } from '../lib/programs.mjs';

/** The folder of the compiled launcher, for the classpath beside Kafka's jars in `kafkaLib`. */
export function inOrderLauncher(kafkaLib) {
  const source = join(root, 'test', 'e2e', 'kafka-tools', 'InOrder.java');
  const hash = createHash('sha256').update(readFileSync(source)).update(kafkaLib).digest('hex').slice(0, 12);
  return cachedFolder(join(cache, 'e2e', `kafka-in-order-${hash}`), (partial) => {
    execFileSync('javac', ['--release', '17', '-d', partial, '-cp', join(kafkaLib, '*'), source], { stdio: 'inherit' });
  });
}

/** The commands file InOrder reads: one argument per line, an empty line after each command. */
export function commandsFile(path, commands) {
  const lines = commands.map((args) => args.map(String));
  for (const args of lines) {
    const bad = args.find((a) => a === '' || a.includes('\n'));
    if (bad !== undefined) throw new Error(`an argument InOrder cannot carry (empty or with a line break): ${JSON.stringify(bad)}`);
  }
  writeFileSync(path, lines.map((args) => `${args.join('\n')}\n\n`).join(''));
  return path;
}
