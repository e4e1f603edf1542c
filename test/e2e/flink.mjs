// The Flink part of the end-to-end run: the session cluster (a JobManager and a TaskManager) and
// the real SQL Gateway, from the image's Flink release module by module (test/e2e/flink/pom.xml)
// plus exactly the jars the image adds to lib/ (images/flink/sql-jars/pom.xml), with the
// generated configuration and catalog store. Through the gateway's REST API: a Kafka source table
// on the environment's topic, INSERT INTO an Iceberg table through the catalog, the
// checkpoint-driven commit awaited, then Trino reads the rows Flink wrote, and the gateway reads
// the table Kafka Connect wrote.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, root } from '../lib/programs.mjs';
import { FLINK_BREAKS, flinkLoopbackConfig } from './flink-rewrites.mjs';

/** The image's default JVM options for Java 17 (its conf/config.yaml env.java.opts.all). */
const JAVA17_OPENS = [
  ...['java.base/sun.net.util', 'java.rmi/sun.rmi.registry', 'jdk.compiler/com.sun.tools.javac.api', 'jdk.compiler/com.sun.tools.javac.file', 'jdk.compiler/com.sun.tools.javac.parser', 'jdk.compiler/com.sun.tools.javac.tree', 'jdk.compiler/com.sun.tools.javac.util', 'java.security.jgss/sun.security.krb5'].map((p) => `--add-exports=${p}=ALL-UNNAMED`),
  ...['java.lang', 'java.net', 'java.io', 'java.nio', 'sun.nio.ch', 'java.lang.reflect', 'java.text', 'java.time', 'java.util', 'java.util.concurrent', 'java.util.concurrent.atomic', 'java.util.concurrent.locks'].map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`),
];

/** Ports and folders of the Flink programs, and the loopback configuration (its rewrites go to `move`). */
export async function flinkSetup({ dist, intent, local, breaks, move, work }) {
  const flinkLocal = {
    ...local,
    flinkState: join(work, 'flink-state'),
    flinkTmp: join(work, 'flink-tmp'),
    catalogStore: join(work, 'flink-catalogs'),
    checkpointInterval: '2s',
    flinkRpcPort: String(await freePort()),
    flinkRestPort: String(await freePort()),
    gatewayPort: String(await freePort()),
    metricsPorts: { jobManager: String(await freePort()), taskManager: String(await freePort()) },
  };
  for (const d of [flinkLocal.flinkState, flinkLocal.flinkTmp, flinkLocal.catalogStore, join(work, 'flink-conf'), join(work, 'gateway-conf')]) mkdirSync(d, { recursive: true });
  return { local: flinkLocal, config: flinkLoopbackConfig({ dist, intent, local: flinkLocal, breaks, move }) };
}

/** The java arguments of a Flink process: the image's JVM options, logging, and lib/ (Flink's modules and the image's jars). */
export function flinkJvm({ work, breaks }, tools) {
  let libJars = tools.flink.libJars;
  for (const name of breaks) libJars = FLINK_BREAKS[name]?.jars?.(libJars) ?? libJars;
  const classpath = ['-cp', [join(tools.flink.modules, '*'), ...libJars].join(':')];
  return (...extra) => [...JAVA17_OPENS, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j.configurationFile=${join(work, 'log4j2.properties')}`, ...extra, ...classpath];
}

/** The image's plugins folder (FLINK_PLUGINS_DIR; without it Flink would take the run folder's plugins/, Connect's). */
export const flinkEnv = (tools) => ({ FLINK_PLUGINS_DIR: tools.flink.pluginsDir });

/** A TaskManager as taskmanager.sh starts one: its memory computed first by BashJavaUtils from the configuration; `overrides` are its own -D properties. */
export function startTaskManager({ startProgram }, jvm, conf, name, stageName, env = {}, overrides = {}) {
  let resources;
  try {
    resources = execFileSync('java', [...jvm('-Xmx128m'), 'org.apache.flink.runtime.util.bash.BashJavaUtils', 'GET_TM_RESOURCE_PARAMS', '--configDir', conf], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`BashJavaUtils GET_TM_RESOURCE_PARAMS failed: ${`${error.stdout}${error.stderr}`.trim().split('\n').slice(-5).join('\n')}`);
  }
  const [jvmParams, dynamic] = resources
    .split('\n')
    .filter((l) => l.startsWith('BASH_JAVA_UTILS_EXEC_RESULT:'))
    .map((l) => l.slice('BASH_JAVA_UTILS_EXEC_RESULT:'.length).trim().split(/\s+/));
  if (!jvmParams || !dynamic) throw new Error(`BashJavaUtils printed no resource parameters:\n${resources.slice(-500)}`);
  return startProgram(name, stageName, 'java', [...jvm(...jvmParams), 'org.apache.flink.runtime.taskexecutor.TaskManagerRunner', '--configDir', conf, ...dynamic, ...Object.entries(overrides).flatMap(([k, v]) => ['-D', `${k}=${v}`])], { env });
}

export const yaml = (entries) => `${Object.entries(entries).map(([k, v]) => `${k}: ${JSON.stringify(String(v))}`).join('\n')}\n`;

/**
 * Starts the JobManager, the TaskManager (memory computed first by BashJavaUtils, as
 * taskmanager.sh does) and the SQL Gateway; returns when all three answer.
 */
export async function startFlink(ctx, tools, { local, config }) {
  const { stage, waitFor, startProgram, work, json, client } = ctx;
  const jvm = flinkJvm(ctx, tools);
  const conf = join(work, 'flink-conf');
  writeFileSync(join(conf, 'config.yaml'), yaml(config.cluster));
  const rest = `http://127.0.0.1:${local.flinkRestPort}`;

  await stage('flink cluster', async () => {
    startProgram('flink-jobmanager', 'flink cluster', 'java', [...jvm('-Xmx512m'), 'org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint', '--configDir', conf], { env: flinkEnv(tools) });
    startTaskManager(ctx, jvm, conf, 'flink-taskmanager', 'flink cluster', flinkEnv(tools), config.taskManagerOverrides);
    await waitFor('the JobManager REST API with one TaskManager', 90000, async () => ((await json(`${rest}/taskmanagers`)).taskmanagers?.length === 1 ? true : undefined));
  });

  await stage('flink gateway', async () => {
    // The gateway's own start lines (the catalog store file from CATALOG and the credential), by sh.
    execFileSync('sh', ['-c', config.storeScript], { env: { ...process.env, CATALOG: config.catalogText, ...client } });
    const gatewayConf = join(work, 'gateway-conf');
    writeFileSync(join(gatewayConf, 'config.yaml'), '');
    const dynamic = Object.entries(config.gateway).filter(([k]) => k !== 'env.java.opts.sql-gateway').map(([k, v]) => `-D${k}=${v}`);
    startProgram('flink-sql-gateway', 'flink gateway', 'java', [...jvm('-Xmx768m', ...config.jvmOptions), 'org.apache.flink.table.gateway.SqlGateway', ...dynamic], { env: { FLINK_CONF_DIR: gatewayConf, ...flinkEnv(tools) } });
    await waitFor('the SQL Gateway REST API', 90000, () => json(`http://127.0.0.1:${local.gatewayPort}/v1/info`));
  });
}

/** A statement through the gateway's REST API; resolves with its rows, or rejects with Flink's root causes. */
async function statement(gateway, session, sql, { timeoutMs = 60000 } = {}) {
  const submitted = await fetch(`${gateway}/v1/sessions/${session}/statements`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ statement: sql }) });
  const handle = await submitted.json();
  if (!submitted.ok) throw new Error(`${sql}\n${rootCauses(handle)}`);
  const rows = [];
  let next = `/v1/sessions/${session}/operations/${handle.operationHandle}/result/0`;
  const deadline = Date.now() + timeoutMs;
  while (next) {
    if (Date.now() > deadline) throw new Error(`${sql}: no result within ${timeoutMs / 1000} s`);
    const response = await fetch(`${gateway}${next}`);
    const page = await response.json();
    if (!response.ok) throw new Error(`${sql}\n${rootCauses(page)}`);
    rows.push(...(page.results?.data ?? []).map((r) => r.fields));
    if (page.resultType === 'EOS') break;
    if (page.resultType === 'NOT_READY') await new Promise((done) => setTimeout(done, 200));
    next = page.nextResultUri ?? (page.resultType === 'NOT_READY' ? next : undefined);
  }
  return rows;
}

/**
 * Throws Fatal when the running job takes no periodic checkpoints: the Iceberg sink commits only at
 * a checkpoint, so no wait would bring a snapshot. In Flink 1.20.0 (flink-runtime-1.20.0.jar, read
 * with javap) CheckpointConfigHandler answers 404 without a checkpoint configuration, and
 * CheckpointCoordinatorConfiguration.isCheckpointingEnabled() is 0 < interval < Long.MAX_VALUE:
 * without execution.checkpointing.interval the job runs with interval Long.MAX_VALUE.
 */
async function checkpointing({ Fatal }, restPort, jobId) {
  const base = `http://127.0.0.1:${restPort}/jobs/${jobId}`;
  const job = await (await fetch(base)).json();
  // Before RUNNING the job's graph may not carry its checkpoint settings yet.
  if (job.state !== 'RUNNING') return;
  const response = await fetch(`${base}/checkpoints/config`);
  const body = await response.json();
  const off = (why) => {
    throw new Fatal(`the INSERT job ${jobId} runs without periodic checkpoints (Flink: ${why}): the Iceberg sink commits only at a checkpoint, so its rows would never reach the table`);
  };
  if (response.status === 404) off(body.errors?.[0] ?? 'no checkpoint configuration');
  if (!response.ok) return;
  // Long.MAX_VALUE as JSON.parse reads it (the nearest double, 2^63).
  const longMax = 2 ** 63;
  if (!(body.interval > 0 && body.interval < longMax)) off(`checkpoint interval ${body.interval >= longMax ? 'Long.MAX_VALUE' : body.interval} ms`);
}

/** The innermost causes of a gateway error (its stack traces carry them as "Caused by:" lines). */
function rootCauses(body) {
  const text = (body.errors ?? [JSON.stringify(body)]).join('\n');
  const causes = text.split('\n').filter((l) => /^Caused by: |^org\.apache\.flink\.\S+Exception: |^java\.\S+Error: /.test(l.trim()));
  return (causes.length ? causes.slice(-4) : text.split('\n').slice(0, 4)).join('\n');
}

/**
 * Through the gateway: a Kafka source on `topic`, INSERT INTO `<catalog>.<namespace>.<table>`,
 * the commit awaited in the catalog, Trino reading the rows; and the gateway reading `connectTable`.
 */
export async function flinkStages(ctx, { local, config }, { topic, records, namespace, table, connectTable, trinoRows, trinoCatalog, tableSnapshot }) {
  const { stage, waitFor, Fatal } = ctx;
  const gateway = `http://127.0.0.1:${local.gatewayPort}`;
  const catalogName = config.warehouse;
  const target = `\`${catalogName}\`.\`${namespace}\`.\`${table}\``;
  let session;
  let jobId;
  await stage('flink sql', async () => {
    session = (await (await fetch(`${gateway}/v1/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sessionName: 'e2e' }) })).json()).sessionHandle;
    await statement(gateway, session, `CREATE TABLE events_source (id INT, name STRING, amount DOUBLE) WITH ('connector' = 'kafka', 'topic' = '${topic}', 'properties.bootstrap.servers' = '${local.bootstrap}', 'properties.group.id' = 'e2e-flink', 'scan.startup.mode' = 'earliest-offset', 'format' = 'json', 'json.ignore-parse-errors' = 'true')`);
    await statement(gateway, session, `CREATE TABLE IF NOT EXISTS ${target} (id INT, name STRING, amount DOUBLE)`);
    [[jobId]] = await statement(gateway, session, `INSERT INTO ${target} SELECT id, name, amount FROM events_source`);
    console.log(`  the INSERT runs as job ${jobId} on the session cluster`);
  });
  await stage('flink commit', async () => {
    await waitFor(`a snapshot of ${namespace}.${table} with ${records.length} records (Flink commits at each checkpoint)`, 45000, async () => {
      const failed = (await ctx.json(`http://127.0.0.1:${local.flinkRestPort}/jobs/overview`)).jobs.find((j) => j.state === 'FAILED');
      if (failed) {
        const exceptions = await ctx.json(`http://127.0.0.1:${local.flinkRestPort}/jobs/${failed.jid}/exceptions`);
        throw new Fatal(`the INSERT job ${failed.jid} failed: ${exceptions['root-exception']?.split('\n')[0]}`);
      }
      await checkpointing(ctx, local.flinkRestPort, jobId);
      return (await tableSnapshot(namespace, table)) === records.length ? true : undefined;
    });
  });
  await stage('flink trino', async () => {
    const rows = await trinoRows(`SELECT id, name, amount FROM ${trinoCatalog}.${namespace}.${table} ORDER BY id`);
    const expected = records.map((r) => [r.id, r.name, r.amount ?? null]);
    if (JSON.stringify(rows) !== JSON.stringify(expected)) throw new Error(`Trino read ${JSON.stringify(rows)} from the table Flink wrote; produced ${JSON.stringify(expected)}`);
    console.log(`  Trino reads the ${rows.length} rows Flink wrote to ${trinoCatalog}.${namespace}.${table}`);
  });
  if (connectTable) {
    await stage('flink reads connect table', async () => {
      await statement(gateway, session, "SET 'execution.runtime-mode' = 'batch'");
      const [[count]] = await statement(gateway, session, `SELECT count(*) FROM \`${catalogName}\`.${connectTable.name.split('.').map((p) => `\`${p}\``).join('.')}`);
      if (count !== connectTable.rows) throw new Error(`the gateway counts ${count} rows in ${connectTable.name}, Kafka Connect wrote ${connectTable.rows}`);
      console.log(`  the gateway reads ${count} rows of ${catalogName}.${connectTable.name}, which Kafka Connect wrote`);
    });
  }
}
