// The application-mode part of the end-to-end run: the example job (jobs/orders-enricher, built
// with Maven) is served by a loopback Blob stand-in, fetched by the generated init-container
// command (real bash and curl, stand-ins that check every request), and run from the fetched jar
// with the application's generated configuration and environment. Its output is read through
// Trino; then it is stopped with a savepoint, more orders arrive, and it starts again from that
// savepoint: every order is in the table exactly once.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { azureStandIns } from '../lib/azure-standins.mjs';
import { freePort } from '../lib/programs.mjs';
import { catalogLoopback, clusterLoopback, FLINK_BREAKS } from './flink-rewrites.mjs';
import { historyStage } from './flink-history.mjs';
import { flinkEnv, flinkJvm, startTaskManager, yaml } from './flink.mjs';
import { objectsOf, StageError } from './rewrites.mjs';

/** The application's loopback configuration, its init container and its job, from dist/<env>/flink/. */
export async function applicationSetup({ dist, intent, local, move, work, job }) {
  const { env } = intent;
  const apps = objectsOf(dist, env, 'flink');
  const name = `flink-${intent.flinkApps[0]}`;
  const deployment = apps('FlinkDeployment', name);
  const file = `dist/${env}/flink/flinkdeployment-${name}.yaml`;
  const ports = { rpcPort: String(await freePort()), restPort: String(await freePort()), metricsPorts: { jobManager: String(await freePort()), taskManager: String(await freePort()) } };
  const appLocal = { stateDir: join(work, 'app-state'), tmpDir: join(work, 'app-tmp'), checkpointInterval: '2s', ...ports };
  for (const d of [appLocal.stateDir, appLocal.tmpDir, join(work, 'app-conf'), join(work, 'usrlib'), join(work, 'azure')]) mkdirSync(d, { recursive: true });
  const { cluster, operator, taskManagerOverrides } = clusterLoopback(file, deployment, appLocal, move);
  const init = deployment.spec.jobManager.podTemplate.spec.initContainers[0];
  const initEnv = Object.fromEntries(init.env.map((e) => [e.name, e.value]));
  move(`${file} init container`, initEnv, 'JAR_FILE', '/opt/flink/usrlib/job.jar', join(work, 'usrlib', 'job.jar'), "the run's usrlib folder");
  const blobPath = `/${initEnv.JAR_LOCATION.replace(/^abfss:\/\/([^@]+)@[^/]+\//, '$1/')}`;
  const wanted = `/flink-jobs/${job.artifact}/${job.version}/${job.artifact}-${job.version}.jar`;
  if (blobPath !== wanted) throw new StageError('config', `${file}: the job jar is ${blobPath}, but jobs/orders-enricher/pom.xml publishes ${wanted}`);
  const jobSpec = { ...deployment.spec.job };
  move(`${file} spec.job`, jobSpec, 'jarURI', 'local:///opt/flink/usrlib/job.jar', `file://${initEnv.JAR_FILE}`, 'the fetched jar in the run folder');
  const podEnv = Object.fromEntries(deployment.spec.podTemplate.spec.containers[0].env.map((e) => [e.name, e.value ?? e.valueFrom]));
  move(`${file} pod env`, podEnv, 'KAFKA_BOOTSTRAP_SERVERS', undefined, local.bootstrap, 'a single loopback broker stands in for WarpStream');
  podEnv.CATALOG = catalogLoopback(`${file} pod env CATALOG`, podEnv.CATALOG, { ...intent.polaris[name], consumer: name }, local, move);
  const account = /@([^.]+)\./.exec(initEnv.JAR_LOCATION)[1];
  const topic = jobSpec.args[jobSpec.args.indexOf('--input-topic') + 1];
  const [namespace, table] = jobSpec.args[jobSpec.args.indexOf('--output-table') + 1].split('.');
  return { name, file, local: appLocal, cluster: { ...cluster, 'parallelism.default': String(jobSpec.parallelism) }, operator, taskManagerOverrides, init, initEnv, blobPath, jobSpec, podEnv, account, topic, namespace, table };
}

const orders = (from, count) => Array.from({ length: count }, (_, i) => ({ id: from + i, order_id: from + i, customer: `customer-${(from + i) % 3}`, quantity: 1 + ((from + i) % 4), unit_price: 2.5 }));

/** Fetch, run, read back, stop with a savepoint, restart from it, read back again. */
export async function applicationStages(ctx, tools, app, { produce, tableRecords, trinoRows, trinoCatalog, history }) {
  const { stage, waitFor, startProgram, work, json, client } = ctx;
  const jvm = flinkJvm(ctx, tools);
  const conf = join(work, 'app-conf');
  const rest = `http://127.0.0.1:${app.local.restPort}`;
  const jobEnv = { ...app.podEnv, ...client, ...flinkEnv(tools) };

  await stage('app fetch jar', async () => {
    const standIns = await azureStandIns({ dir: join(work, 'azure'), account: app.account, tenantId: '0f0e0d0c-0b0a-4900-8807-060504030201', clientId: 'c1c2c3c4-d5d6-4e7e-8f8f-a0a1a2a3a4a5', federatedToken: 'e2e-federated-token', blobs: { [app.blobPath]: readFileSync(tools.job.jar) } });
    console.log(`  Azure stand-ins: ${standIns.moves.join('; ')}`);
    try {
      const { code, output } = await new Promise((done) => {
        const child = spawn(app.init.command[0], app.init.command.slice(1), { env: { ...process.env, ...standIns.env, ...app.initEnv } });
        let text = '';
        child.stdout.on('data', (d) => (text += d));
        child.stderr.on('data', (d) => (text += d));
        child.on('exit', (c) => done({ code: c, output: text }));
      });
      if (code !== 0 || standIns.state.seen.join() !== 'token ok,blob ok') throw new Error(`the init container's fetch exited ${code} (${output.trim()}); the stand-ins saw: ${standIns.state.seen.join('; ')}`);
      if (!readFileSync(app.initEnv.JAR_FILE).equals(readFileSync(tools.job.jar))) throw new Error('the fetched jar differs from the one built');
      console.log(`  ${output.trim()}; the stand-ins saw: ${standIns.state.seen.join('; ')}`);
    } finally {
      await standIns.close();
    }
  });

  const startApplication = async (label, savepoint) => {
    const config = { ...app.cluster, ...(savepoint ? { 'execution.state-recovery.path': savepoint } : {}) };
    writeFileSync(join(conf, 'config.yaml'), yaml(config));
    // What the operator passes to the application entry point: the job's class, jar and arguments.
    // `--` ends the entry point's options (--jars takes several values), so the job's own --options reach it.
    const args = ['--configDir', conf, '--job-classname', app.jobSpec.entryClass, '--jars', app.jobSpec.jarURI, '--', ...app.jobSpec.args];
    const jm = startProgram(`app-jobmanager-${label}`, `app ${label}`, 'java', [...jvm('-Xmx512m'), 'org.apache.flink.container.entrypoint.StandaloneApplicationClusterEntryPoint', ...args], { env: jobEnv });
    const tm = startTaskManager(ctx, jvm, conf, `app-taskmanager-${label}`, `app ${label}`, jobEnv, app.taskManagerOverrides);
    const jobId = await waitFor(`the ${app.name} job to run`, 90000, async () => (await json(`${rest}/jobs/overview`)).jobs?.find((j) => j.state === 'RUNNING')?.jid);
    return { jm, tm, jobId };
  };
  const awaitRows = (count) =>
    waitFor(`${count} orders in ${app.namespace}.${app.table}`, 60000, async () => {
      const records = await tableRecords(app.namespace, app.table);
      if (records > count) throw new ctx.Fatal(`${app.namespace}.${app.table} holds ${records} orders, more than the ${count} produced: duplicates`);
      return records === count ? true : undefined;
    });

  await produce(app.topic, orders(1, 4));
  let running = await stage('app start', () => startApplication('start'));
  await stage('app commit', () => awaitRows(4));
  const savepoint = await stage('app savepoint', async () => {
    const { 'request-id': request } = await json(`${rest}/jobs/${running.jobId}/stop`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ drain: false }) });
    const location = await waitFor('the savepoint', 60000, async () => {
      const s = await json(`${rest}/jobs/${running.jobId}/savepoints/${request}`);
      if (s.operation?.['failure-cause']) throw new ctx.Fatal(`the savepoint failed: ${s.operation['failure-cause']['stack-trace']?.split('\n')[0]}`);
      return s.status?.id === 'COMPLETED' ? s.operation.location : undefined;
    });
    running.jm.expectedExit = true;
    running.tm.expectedExit = true;
    // The application cluster shuts down once its job finishes; its TaskManager is stopped like the pod would be.
    await waitFor('the application cluster to shut down', 30000, () => (running.jm.running ? undefined : true));
    await running.tm.stop(10000);
    return location;
  });
  console.log(`  stopped with savepoint ${savepoint}`);
  // The finished job is in the application's archive now: the HistoryServer serves it while the application restarts.
  const served = history ? historyStage(ctx, jvm, history, running.jobId) : Promise.resolve();
  served.catch(() => {});
  await produce(app.topic, orders(5, 4));
  const restoreFrom = ctx.breaks.some((b) => FLINK_BREAKS[b]?.restartWithoutSavepoint) ? undefined : savepoint;
  running = await stage('app restart from savepoint', () => startApplication('restart', restoreFrom));
  await stage('app commit after restart', () => awaitRows(8));
  await stage('app trino', async () => {
    const rows = await trinoRows(`SELECT order_id, total FROM ${trinoCatalog}.${app.namespace}.${app.table} ORDER BY order_id`);
    const expected = orders(1, 8).map((o) => [o.order_id, o.quantity * o.unit_price]);
    if (JSON.stringify(rows) !== JSON.stringify(expected)) throw new Error(`Trino read ${JSON.stringify(rows)} from ${app.namespace}.${app.table}; expected each order once: ${JSON.stringify(expected)}`);
    console.log(`  Trino reads all ${rows.length} orders once each, across the upgrade`);
  });
  for (const p of [running.jm, running.tm]) p.expectedExit = true;
  await served;
}
