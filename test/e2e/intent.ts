// What an environment means to the data path, taken from its source (environments/<env>.ts) and
// the Polaris chart's typed consumer handles, not from dist/: the end-to-end test compares the
// generated configuration with this, so a generated file that drifts from the intent fails.
//
//   (through scripts/run-ts.mjs) intent.ts <env> <output json>
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentSchema } from '../../charts/components';
import { buildEnvironmentApp } from '../../charts/environment-app';
import type { FlinkSettings } from '../../charts/flink/settings';
import type { KafkaConnectSettings } from '../../charts/kafka-connect/settings';
import { parseOrThrow } from '../../charts/lib/validation';
import { PolarisChart } from '../../charts/polaris';
import type { TrinoSettings } from '../../charts/trino/settings';
import { envFile, outputsFile, readOutputs } from '../../charts/synth';
import { environments } from '../../environments';

const [name, output] = process.argv.slice(2);
const root = process.env.LAKEHOUSE_ROOT ?? process.cwd();
const env = parseOrThrow(environmentSchema, environments[name], envFile(name));
const outputs = readOutputs(name, env, {
  environments,
  readOutputs: (n) => (existsSync(join(root, outputsFile(n))) ? readFileSync(join(root, outputsFile(n)), 'utf8') : undefined),
});
const { charts } = buildEnvironmentApp({ env, envFile: envFile(name), outputs, outputsFile: outputsFile(name) });
// Not `instanceof`: cdk8s Chart defines Symbol.hasInstance, which every chart passes.
const polaris = charts.find((c): c is PolarisChart => Object.prototype.isPrototypeOf.call(PolarisChart.prototype, c));
if (!polaris) throw new Error(`${envFile(name)}: the end-to-end test needs components.polaris`);
const connect = (env.components as { 'kafka-connect'?: KafkaConnectSettings })['kafka-connect'];
const trino = (env.components as { trino?: TrinoSettings }).trino;
if (!connect) throw new Error(`${envFile(name)}: the end-to-end test needs components.kafka-connect`);

const flink = (env.components as { flink?: FlinkSettings }).flink;
const catalogApps = (flink?.applications ?? []).filter((a) => a.catalog).map((a) => `flink-${a.name}`);

const handle = (consumer: string) => {
  const c = polaris.consumer(consumer);
  return { catalogUri: c.catalogUri, oauthTokenUri: c.oauthTokenUri, warehouse: c.warehouse, scope: c.scope };
};

writeFileSync(
  output,
  JSON.stringify({
    env: name,
    polaris: { 'kafka-connect': handle('kafka-connect'), trino: handle('trino'), flink: handle('flink'), ...Object.fromEntries(catalogApps.map((c) => [c, handle(c)])) },
    flinkNamespaces: polaris.namespacesOf('flink'),
    flinkApps: (flink?.applications ?? []).filter((a) => a.catalog).map((a) => a.name),
    sinks: connect.sinks.map((s) => ({ name: s.name, topics: s.topics, table: s.table, namespace: s.namespace })),
    // Who reads the table back through Trino: with access control (prod), a reader of the environment.
    trinoUser: trino?.access ? (trino.access.readers[0] ?? trino.access.administrators[0]) : 'tester',
  }),
);
