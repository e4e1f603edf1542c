// The input of kafka-tools/InOrder.java (built by tools.mjs), which runs Kafka's command-line tools
// several times in one JVM: the topics Job's commands, one after another as its shell runs them.
import { writeFileSync } from 'node:fs';

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
