// The sink's dead-letter topic in the end-to-end test: the record Connect's converter cannot read,
// and what Connect must have written for it (the record as produced, with its context headers).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** A record whose value is not JSON (a cut-short object): JsonConverter cannot read it. */
export const POISON = { key: 'poison', value: '{"id": 6, "name": "zeta", "amo' };

/** The first record of the dead-letter topic, with its headers, read with Kafka's console consumer. */
export async function readDeadLetter(jvm, bootstrap, topic) {
  const FIELD = '<<field>>';
  const HEADER = '<<header>>';
  const args = ['--bootstrap-server', bootstrap, '--topic', topic, '--from-beginning', '--max-messages', '1', '--timeout-ms', '30000'];
  for (const p of ['print.headers=true', 'print.key=true', `key.separator=${FIELD}`, `headers.separator=${HEADER}`]) args.push('--formatter-property', p);
  // Not execFileSync: the loopback Kubernetes API and catalog check run in this process and must keep answering.
  const { stdout: out } = await promisify(execFile)('java', [...jvm('256m', 'log4j2-tools.properties'), 'org.apache.kafka.tools.consumer.ConsoleConsumer', ...args], { encoding: 'utf8', timeout: 60000 });
  const [headers, key, value] = out.replace(/\n$/, '').split(FIELD);
  if (value === undefined) throw new Error(`${topic}: no record within 30 s`);
  return { key, value, headers: Object.fromEntries(headers.split(HEADER).map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1)])) };
}

/** What is wrong with the dead-letter record: it must be the poison record, with Connect's context headers. */
export function deadLetterProblems(record, { topic, connector }) {
  const h = record.headers;
  const problems = [];
  if (record.key !== POISON.key || record.value !== POISON.value) problems.push(`the dead-letter topic holds ${record.key}|${record.value}, expected the record that is not JSON`);
  const expected = { '__connect.errors.topic': topic, '__connect.errors.connector.name': connector, '__connect.errors.stage': 'VALUE_CONVERTER', '__connect.errors.class.name': 'org.apache.kafka.connect.json.JsonConverter', '__connect.errors.exception.class.name': 'org.apache.kafka.connect.errors.DataException' };
  for (const [k, v] of Object.entries(expected)) if (h[k] !== v) problems.push(`dead-letter header ${k} is ${h[k] ?? 'missing'}, expected ${v}`);
  if (!/^\d+$/.test(h['__connect.errors.offset'] ?? '')) problems.push(`dead-letter header __connect.errors.offset is ${h['__connect.errors.offset'] ?? 'missing'}`);
  return problems;
}
