// End to end on one machine (npm run e2e): stands the data path up on loopback from the generated
// configuration in dist/<env>/ and proves a record produced to Kafka comes back from a Trino query.
//
//   Kafka 4.3.1, one KRaft node (stands in for WarpStream)
//     -> Kafka Connect 4.3.1 + the Iceberg sink of images/kafka-connect/pom.xml, the connector of dist/
//        (its credential read by Strimzi's Kubernetes Secret config provider from a loopback Kubernetes API)
//     -> Iceberg's REST catalog server (stands in for Polaris, behind a client-credentials check),
//        a local warehouse (stands in for ADLS)
//     -> Trino of the pinned release with the catalog file of dist/
//
// On the way: a record that is not JSON lands in the sink's dead-letter topic while the good ones
// reach the table, and the catalog credential is rotated under the running sink (task restart).
//
// Only endpoints, the FileIO and the commit interval are rewritten (test/e2e/rewrites.mjs; each is
// printed). Every stage has a bounded wait and fails naming itself; every process is stopped by
// its process group and the work folder removed, whatever happens.
//
//   -> Flink of the image (test/e2e/flink*.mjs): the session cluster and the SQL Gateway INSERT INTO an
//      Iceberg table from the same topic; the example application fetched, run, upgraded with a
//      savepoint; the HistoryServer; all read back by Trino
//
//   node test/e2e/run.mjs [--env dev] [--dist dist] [--break <name>] [--only connect|flink|flink-app] [--without trino] [--keep]
//
// --only flink-app runs the Flink application alone, without the session cluster and its gateway
// (npm run e2e:broken, for a mistake of the application).
//
// --without trino is for a run meant to fail before any Trino query (npm run e2e:broken): Trino's
// start is the run's largest CPU cost, and a run that reaches a query anyway fails saying so.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { describeMoves, freePort, ICEBERG_REST_SERVER, mavenArtifact, modernJava, need, Program, ProgramError, root, stageTrino, trinoQuery, trinoServer, writeProperties } from '../lib/programs.mjs';
import { trinoAot } from '../lib/trino-aot.mjs';
import { catalogCredentials } from './catalog-credentials.mjs';
import { deadLetterProblems, POISON, readDeadLetter } from './dead-letter.mjs';
import { applicationSetup, applicationStages } from './flink-app.mjs';
import { historySetup } from './flink-history.mjs';
import { flinkSetup, flinkStages, startFlink } from './flink.mjs';
import { FLINK_BREAKS } from './flink-rewrites.mjs';
import { commandsFile } from './kafka-tools.mjs';
import { kubernetesApi } from './kubernetes-api.mjs';
import { checkCoverage, connectExporterConfig, connectPod, flinkPods, flinkPlugins, scrapedUp, startScraping, STRIMZI_EXPORTER_PORT } from './metrics.mjs';
import { BREAKS as CONNECT_BREAKS, loopbackConfig, mover, StageError } from './rewrites.mjs';
import { buildJob, connectPluginJars, flinkJars, inOrderLauncher, jmxExporterAgent, kafkaJars } from './tools.mjs';

const BREAKS = { ...CONNECT_BREAKS, ...FLINK_BREAKS };

const { values: options } = parseArgs({
  options: { env: { type: 'string', default: 'dev' }, dist: { type: 'string', default: 'dist' }, break: { type: 'string', multiple: true, default: [] }, only: { type: 'string' }, without: { type: 'string', multiple: true, default: [] }, keep: { type: 'boolean', default: false } },
});
if (options.only && !['connect', 'flink', 'flink-app'].includes(options.only)) throw new Error(`--only ${options.only}: expected connect, flink or flink-app`);
/** Which halves run: Kafka Connect into Iceberg, and Flink (its session cluster with the gateway, and its application). */
const runs = { connect: !options.only || options.only === 'connect', flink: options.only !== 'connect', session: !options.only || options.only === 'flink' };
for (const name of options.without) if (name !== 'trino') throw new Error(`--without ${name}: only trino can be left out`);
for (const name of options.break) if (!BREAKS[name]) throw new Error(`--break ${name}: expected one of ${Object.keys(BREAKS).join(', ')}`);
const dist = resolve(options.dist);
const began = Date.now();
const times = [];
const programs = [];
/** Folders this run made, removed at the end. */
const folders = [];
/** Loopback stand-ins served from this process, closed at the end. */
const servers = [];
let catalogBase;
/** The run's Prometheus, its scrape jobs, and which programs of metric-sources.mjs ran. */
let metrics;
const work = mkdtempSync(join(tmpdir(), 'lakehouse-e2e-'));
folders.push(work);
// A made-up client: the catalog stand-in's credentials check knows it; Trino reads it from its
// environment, the sink from the loopback Kubernetes API through the real config provider.
const CLIENT = { POLARIS_CLIENT_ID: 'e2e-client', POLARIS_CLIENT_SECRET: randomBytes(16).toString('hex') };

/** A failure of the current stage that no retry can mend (a probe throws it to stop waiting). */
class Fatal extends Error {}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Runs `body` as a named stage: its time is recorded, and any failure is reported as this stage's. */
async function stage(name, body) {
  const start = Date.now();
  try {
    const result = await body();
    times.push([name, Date.now() - start]);
    console.log(`  ${name}: ${seconds(Date.now() - start)}`);
    return result;
  } catch (error) {
    if (error instanceof StageError) throw error;
    // Failures this file raises carry their message; anything else is a bug here, so its stack.
    const expected = error instanceof ProgramError || error instanceof Fatal || error?.constructor === Error;
    throw new StageError(name, expected ? error.message : (error?.stack ?? String(error)));
  }
}

/** A stage of the Connect half: skipped under --only flink. */
const connectStage = (name, body) => (runs.connect ? stage(name, body) : undefined);

/** Polls `probe` until it returns a value; fails naming `what` after `timeoutMs`, or at once when a program dies. */
async function waitFor(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    const dead = programs.find((p) => !p.running && !p.expectedExit);
    if (dead) throw new StageError(dead.stage, `${dead.name} exited (${dead.exitCode}) while waiting for ${what}:\n${dead.problems()}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof StageError || error instanceof Fatal) throw error;
      last = error.message;
    }
    if (Date.now() > deadline) throw new Error(`${what}: nothing within ${seconds(timeoutMs)}${last ? ` (last error: ${last})` : ''}`);
    await sleep(300);
  }
}

function startProgram(name, stageName, command, args, opts = {}) {
  const program = new Program(name, command, args, { cwd: work, logFile: join(work, `${name}.log`), ...opts });
  program.stage = stageName;
  programs.push(program);
  return program;
}

/**
 * `init` with `Connection: close`: no idle connection stays open to a program the run stops.
 * Connect 4.3.1 (RestServer, Jetty 12.0.34 with stopAtShutdown) runs two shutdown hooks at once,
 * its own and Jetty's; Jetty's graceful stop waits up to 1 s for open connections, and a Jetty
 * hook that finds the server stopping destroys it instead, so RestServer.stop() never returns
 * (the server's thread pool is never stopped). The worker was then killed after its grace, and
 * its sink consumer held its partitions for session.timeout.ms (45 s) after the roll.
 */
const closing = (init = {}) => ({ ...init, headers: { ...init.headers, Connection: 'close' } });

async function json(url, init) {
  const response = await fetch(url, closing(init));
  const text = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
}

/**
 * A write to Connect's REST API, tried again while the worker answers 409: a rebalance, or a
 * configuration it has not read back yet. A restart right after a PUT of the configuration got
 * "Cannot complete request momentarily due to stale configuration" in a cold .ci/run. Any other
 * refusal is final.
 */
function connectWrite(what, url, init, refusal = `${init.method} ${url}`) {
  return waitFor(what, 60000, async () => {
    const response = await fetch(url, closing(init));
    const text = await response.text();
    if (response.ok) return text ? JSON.parse(text) : {};
    if (response.status === 409) throw new Error(`HTTP 409 ${text.slice(0, 300)}`);
    throw new Fatal(`${refusal}: HTTP ${response.status} ${text.slice(0, 300)}`);
  });
}

const log4j = (level) =>
  ['appender.out.type=Console', 'appender.out.name=out', 'appender.out.layout.type=PatternLayout', 'appender.out.layout.pattern=[%d] %p %m (%c)%n', `rootLogger.level=${level}`, 'rootLogger.appenderRef.out.ref=out', ''].join('\n');

/** Downloads and builds everything (cached), and the environment's intent. */
async function prepare() {
  need('java', 'install Java 17: apt-get install openjdk-17-jdk-headless');
  need('mvn', 'install Maven: apt-get install maven');
  const kafka = kafkaJars();
  const plugin = connectPluginJars();
  const catalogJar = await mavenArtifact(ICEBERG_REST_SERVER, 'about 210 MB');
  const trinoVersion = YAML.parse(readFileSync(join(dist, options.env, 'trino', 'deployment-trino-coordinator.yaml'), 'utf8')).spec.template.spec.containers[0].image.split(/[:@]/)[1];
  const trinoHome = await trinoServer(trinoVersion);
  const java25 = modernJava();
  const intentFile = join(work, 'intent.json');
  execFileSync(process.execPath, ['--input-type=module', '-e', `import { runTs } from ${JSON.stringify(join(root, 'scripts', 'run-ts.mjs'))}; await runTs('test/e2e/intent.ts', ${JSON.stringify([options.env, intentFile])});`], { stdio: 'inherit' });
  const intent = JSON.parse(readFileSync(intentFile, 'utf8'));
  const flink = runs.flink ? { ...flinkJars(), pluginsDir: await flinkPlugins(work) } : undefined;
  const jmxAgent = runs.connect ? jmxExporterAgent() : undefined;
  const inOrder = inOrderLauncher(kafka);
  const job = runs.flink ? buildJob() : undefined;
  return { kafka, plugin, catalogJar, trinoHome, java25, intent, flink, job, jmxAgent, inOrder };
}

async function main() {
  console.log(`end to end, ${options.env}, from ${dist}${options.break.length ? `; broken on purpose: ${options.break.map((b) => BREAKS[b].what).join('; ')}` : ''}`);
  const tools = await stage('prepare (downloads cached)', prepare);
  const sink = tools.intent.sinks[0];
  if (!sink?.table) throw new StageError('config', `environments/${options.env}.ts: the end-to-end test needs a kafka-connect sink with a fixed table`);
  const [namespace, table] = sink.table.split('.');
  const ports = Object.fromEntries(await Promise.all(['broker', 'controller', 'catalog', 'credentials', 'kubernetes', 'connect', 'connectMetrics'].map(async (k) => [k, await freePort()])));
  const warehouse = join(work, 'warehouse');
  mkdirSync(warehouse);
  mkdirSync(join(work, 'plugins'));
  symlinkSync(tools.plugin, join(work, 'plugins', 'iceberg'));
  catalogBase = `http://127.0.0.1:${ports.catalog}`;
  // The consumers reach the catalog through its client-credentials check; this run reads it directly.
  const consumerCatalog = `http://127.0.0.1:${ports.credentials}`;
  const local = {
    bootstrap: `127.0.0.1:${ports.broker}`,
    catalogUri: consumerCatalog,
    tokenUri: `${consumerCatalog}/v1/oauth/tokens`,
    kubernetesApi: `http://127.0.0.1:${ports.kubernetes}`,
    connectPort: ports.connect,
    pluginPath: join(work, 'plugins'),
    commitIntervalMs: 2000,
    coordinatorSessionTimeoutMs: 10000,
  };
  const config = loopbackConfig({ dist, intent: tools.intent, local, breaks: options.break });
  const flink = runs.flink ? await flinkSetup({ dist, intent: tools.intent, local, breaks: options.break, move: mover(config.rewrites), work }) : undefined;
  const app = runs.flink && tools.intent.flinkApps.length ? await applicationSetup({ dist, intent: tools.intent, local, move: mover(config.rewrites), work, job: tools.job }) : undefined;
  const history = app ? await historySetup({ dist, intent: tools.intent, work, move: mover(config.rewrites), stateDirs: { 'flink-state-session': flink.local.flinkState, [`flink-state-${tools.intent.flinkApps[0]}`]: app.local.stateDir } }) : undefined;
  const exporterConfig = join(work, 'metrics-config.json');
  if (runs.connect) {
    const clusterFile = connectExporterConfig(dist, options.env, exporterConfig);
    config.rewrites.push({ file: clusterFile, key: 'spec.metricsConfig (the exporter agent)', from: `port ${STRIMZI_EXPORTER_PORT} (Strimzi's kafka_connect_run.sh)`, to: `127.0.0.1:${ports.connectMetrics}`, why: 'a free loopback port; the rules are the ConfigMap\'s, as JSON like the operator writes them' });
  }
  const staged = await stageTrino(`e2e-${options.env}`, config.trinoFiles, tools.trinoHome, {
    catalog: () => config.trinoCatalogText,
    users: [tools.intent.trinoUser],
    // The AOT cache, once the Trino check has written it (test/lib/trino-aot.mjs).
    jvm: { '-XX:TieredStopAtLevel=1': 'the JIT fast tier only: a short run, its start is CPU-bound', ...trinoAot(tools.trinoHome) },
  });
  folders.push(staged.dir);
  console.log('rewritten for loopback (everything else is as generated):');
  for (const r of config.rewrites) console.log(`  ${r.file}: ${r.key} ${r.from} -> ${r.to} (${r.why})`);
  console.log(`  Trino, for this machine: ${describeMoves(staged.moves)}`);
  if (flink) console.log(`  Flink, what the operator would write for the pods, on loopback: ${Object.entries(flink.config.operator).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (app) console.log(`  ${app.name}, likewise: ${Object.entries(app.operator).map(([k, v]) => `${k}=${v}`).join(', ')}`);

  // Trino takes longest to start and needs nothing else to do so: it starts first.
  const trino = options.without.includes('trino') ? undefined : startProgram('trino', 'trino', tools.java25, staged.args, { cwd: staged.dir, env: { ...CLIENT, TRINO_INTERNAL_SHARED_SECRET: randomBytes(32).toString('hex'), HOSTNAME: 'e2e-coordinator' } });
  writeFileSync(join(work, 'log4j2.properties'), log4j('INFO'));
  writeFileSync(join(work, 'log4j2-tools.properties'), log4j('WARN'));
  const jvm = (heap, logConfig = 'log4j2.properties', ...classpath) => [`-Xmx${heap}`, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${join(work, logConfig)}`, '-cp', [join(tools.kafka, '*'), ...classpath].join(':')];

  startProgram('catalog', 'catalog', 'java', ['-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-jar', tools.catalogJar], {
    // A SQLite file, not the server's default jdbc:sqlite::memory:: the catalog pools two JDBC
    // connections, and each connection to :memory: is a database of its own (a run failed with
    // "Failed to execute exists query" when a request met the empty one).
    env: { CATALOG_WAREHOUSE: `file://${warehouse}`, CATALOG_REST_PORT: String(ports.catalog), CATALOG_URI: `jdbc:sqlite:${join(work, 'catalog.db')}` },
  });

  await stage('broker', async () => {
    const properties = {
      'process.roles': 'broker,controller',
      'node.id': 1,
      'controller.quorum.bootstrap.servers': `127.0.0.1:${ports.controller}`,
      listeners: `PLAINTEXT://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${ports.broker}`,
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'log.dirs': join(work, 'kafka-data'),
      'offsets.topic.replication.factor': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      'share.coordinator.state.topic.replication.factor': 1,
      'share.coordinator.state.topic.min.isr': 1,
      'group.initial.rebalance.delay.ms': 0,
      // Like WarpStream's defaults are irrelevant here: topics are created explicitly below.
      'auto.create.topics.enable': false,
    };
    writeFileSync(join(work, 'broker.properties'), writeProperties(properties));
    // Base64 of 16 random bytes, as Kafka's Uuid; like Uuid.randomUuid, never one starting with '-' (read as an option).
    let clusterId;
    do clusterId = randomBytes(16).toString('base64url');
    while (clusterId.startsWith('-'));
    try {
      execFileSync('java', [...jvm('256m', 'log4j2-tools.properties'), 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', join(work, 'broker.properties')], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`kafka-storage format failed: ${`${error.stdout}${error.stderr}`.trim().split('\n').slice(-5).join('\n')}`);
    }
    const broker = startProgram('broker', 'broker', 'java', [...jvm('512m'), 'kafka.Kafka', join(work, 'broker.properties')]);
    await waitFor('the broker', 60000, () => (broker.log().includes('Kafka Server started') ? true : undefined));
  });

  await stage('topics', async () => {
    // The platform's topics Job, command for command and in its order; the sink's source topic is the producer side's to create.
    const producerTopic = (name) => ['--bootstrap-server', local.bootstrap, '--create', '--if-not-exists', '--topic', name, '--partitions', '1', '--replication-factor', '1'];
    const commands = [...config.topicCommands.map((c) => c.args), producerTopic(sink.topics[0]), ...(app ? [producerTopic(app.topic)] : [])];
    const file = commandsFile(join(work, 'topic-commands.txt'), commands);
    const tool = new Program('topics', 'java', [...jvm('256m', 'log4j2-tools.properties', tools.inOrder), 'InOrder', 'org.apache.kafka.tools.TopicCommand', file], { cwd: work, logFile: join(work, 'topics.log') });
    const code = await tool.exited;
    if (code !== 0) throw new Error(`kafka-topics exited ${code}:\n${tool.problems()}`);
  });

  let credentials;
  await stage('catalog', async () => {
    await waitFor('the Iceberg REST catalog', 60000, () => json(`${catalogBase}/v1/config`));
    credentials = await catalogCredentials({ port: ports.credentials, upstream: catalogBase, clientId: CLIENT.POLARIS_CLIENT_ID, secret: CLIENT.POLARIS_CLIENT_SECRET });
    servers.push(credentials);
    // The Polaris catalog creator makes the consumers' namespaces (charts/polaris/creator.py); the stand-in has no management API.
    const token = await catalogToken();
    for (const ns of [namespace, ...(runs.flink ? tools.intent.flinkNamespaces : [])]) {
      await json(`${catalogBase}/v1/namespaces`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ namespace: [ns], properties: {} }) });
    }
  });

  const connectTarget = runs.connect ? connectPod(dist, options.env, `127.0.0.1:${ports.connectMetrics}`) : undefined;
  // A real Prometheus scrapes every program below through the generated PodMonitors, from the start.
  const scraping = await stage('prometheus', () =>
    startScraping({
      dist,
      env: options.env,
      work,
      pods: [
        ...(connectTarget ? [connectTarget] : []),
        ...(flink && runs.session ? flinkPods(dist, options.env, 'flink-session', flink.local.metricsPorts) : []),
        ...(app ? flinkPods(dist, options.env, app.name, app.local.metricsPorts) : []),
      ],
      extraJobs: trino ? [trinoScrapeJob(staged, config, tools.intent.trinoUser)] : [],
      breaks: options.break,
    }),
  );
  metrics = { ...scraping, ran: [...(trino ? ['trino'] : []), ...(runs.connect ? ['connect'] : []), ...(runs.flink ? ['flink'] : [])] };
  console.log(`  ${scraping.prometheus.base} scrapes ${scraping.jobs.map((j) => `${j.job_name} (${j.static_configs.map((c) => `${c.labels.pod} at ${c.targets[0]}`).join(', ')})`).join('; ')}`);

  // Flink starts beside the Connect worker; its stages run after the Connect ones.
  const flinkContext = { stage, waitFor, startProgram, work, json, breaks: options.break, client: CLIENT, Fatal };
  const flinkUp = runs.session ? startFlink(flinkContext, tools, flink) : Promise.resolve();
  flinkUp.catch(() => {});

  const connectBase = `http://127.0.0.1:${ports.connect}`;
  const connector = config.sinks[0];
  let kubernetes;
  let worker;
  /** Starts the Connect worker (again, for the rotation: a pod roll starts a fresh JVM). */
  const startWorker = () => {
    // The config provider's Kubernetes client (fabric8) reads these instead of the pod's service account.
    const kubernetesClient = { KUBERNETES_MASTER: kubernetes.url, KUBERNETES_AUTH_TOKEN: kubernetes.token, KUBERNETES_AUTH_TRYKUBECONFIG: 'false', KUBERNETES_AUTH_TRYSERVICEACCOUNT: 'false' };
    worker = startProgram('connect', 'worker', 'java', [...jvm('1g'), ...tools.jmxAgent(ports.connectMetrics, exporterConfig), 'org.apache.kafka.connect.cli.ConnectDistributed', join(work, 'worker.properties')], { env: kubernetesClient });
  };
  await connectStage('worker', async () => {
    kubernetes = await kubernetesApi({ port: ports.kubernetes, ...config.kubernetes, secrets: secretsOf(config.kubernetes.secrets) });
    servers.push(kubernetes);
    if (!config.topicCommands.some((c) => c.topic === connector.deadLetterTopic)) throw new StageError('config', `${connector.file}: the dead-letter topic ${connector.deadLetterTopic ?? '(none)'} is not created by the topics Job`);
    writeFileSync(join(work, 'worker.properties'), writeProperties(config.worker));
    startWorker();
    const plugins = await waitFor('the Connect worker REST API with the Iceberg sink plugin', 90000, () => json(`${connectBase}/connector-plugins`));
    const wanted = config.sinks[0].config['connector.class'];
    if (!plugins.some((p) => p.class === wanted)) throw new Error(`the worker has no ${wanted} on plugin.path: ${plugins.map((p) => p.class).join(', ')}`);
    // The exporter agent serves from the JVM's start: the worker's PodMonitor must reach it now.
    await scrapedUp(scraping.prometheus, connectTarget.namespace, { listeningSince: Date.now() });
  });

  const status = () => json(`${connectBase}/connectors/${connector.name}/status`);
  const failedTask = (s) => [s.connector, ...(s.tasks ?? [])].find((t) => t.state === 'FAILED');
  await connectStage('connector task', async () => {
    await connectWrite('the worker to accept the connector', `${connectBase}/connectors/${connector.name}/config`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(connector.config) }, `the worker refuses ${connector.name}`);
    const s = await waitFor(`a task of ${connector.name} to run`, 60000, async () => {
      const current = await status();
      if (failedTask(current)) return current;
      return current.tasks?.length > 0 && current.tasks.every((t) => t.state === 'RUNNING') ? current : undefined;
    });
    const failed = failedTask(s);
    if (failed) throw new Error(`${connector.name} failed:\n${traceOf(failed)}`);
  });

  const produced = [
    [{ id: 1, name: 'alpha' }, { id: 2, name: 'beta' }, { id: 3, name: 'gamma' }],
    // The schema change: a new field the sink adds to the table (iceberg.tables.evolve-schema-enabled),
    // and between the good records one that is not JSON: the converter fails on it, Connect sends it
    // to the dead-letter topic, and the task goes on.
    [{ id: 4, name: 'delta', amount: 12.5 }, POISON, { id: 5, name: 'epsilon', amount: 7.25 }],
  ];
  const good = (records) => records.filter((r) => r !== POISON);
  const snapshots = [];
  for (const [i, batch] of produced.entries()) {
    // After the first commit, under a running sink: rotate the credential the way the README says.
    if (i === 1) await connectStage('rotate credential', () => rotateCredential({ credentials, kubernetes, connectBase, connector, status, failedTask, rollWorker: async () => {
      worker.expectedExit = true;
      await worker.stop();
      startWorker();
    } }));
    await stage(`produce batch ${i + 1}`, () => produce(jvm, local.bootstrap, sink.topics[0], batch));
    const total = good(produced.slice(0, i + 1).flat()).length;
    snapshots.push(await connectStage(`commit batch ${i + 1}`, () => waitForCommit({ namespace, table, total, status, failedTask })));
  }
  // Read while Trino starts and answers: the console consumer is a JVM of its own (its stage shows what is left).
  const deadLetterRead = runs.connect ? readDeadLetter(jvm, local.bootstrap, connector.deadLetterTopic) : undefined;
  deadLetterRead?.catch(() => {});

  /** Trino's address and the headers of the user the environment's access rules let read (prod signs in over HTTPS). */
  const trinoConnection = async () => {
    if (!trino) throw new Fatal('this run was started --without trino, as for a mistake that must fail before any query, yet it reached one');
    await waitFor('Trino to start', 180000, () => (trino.log().includes('SERVER STARTED') ? true : undefined));
    const base = config.trinoFiles['password-authenticator.properties'] ? `https://127.0.0.1:${staged.https}` : `http://127.0.0.1:${staged.http}`;
    const user = tools.intent.trinoUser;
    const headers = { 'X-Trino-User': user, ...(base.startsWith('https') ? { Authorization: `Basic ${Buffer.from(`${user}:${staged.password}`).toString('base64')}` } : {}) };
    if (base.startsWith('https')) {
      // The self-signed certificate stageTrino made for this run; Node warns once about trusting it.
      process.removeAllListeners('warning');
      process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    }
    // SERVER STARTED comes before the node has announced itself: until then queries get "No nodes available".
    await waitFor('Trino to have a node that runs queries', 60000, async () => (await trinoQuery(base, 'SELECT 1', headers)) && true);
    return { base, headers };
  };

  const rows = await connectStage('trino', async () => {
    const { base, headers } = await trinoConnection();
    const q = (sql) => trinoQuery(base, sql, headers);
    const fq = `${config.trinoCatalog}.${namespace}`;
    const data = await q(`SELECT id, name, amount FROM ${fq}.${table} ORDER BY id`);
    const columns = await q(`SELECT column_name, data_type FROM ${config.trinoCatalog}.information_schema.columns WHERE table_schema = '${namespace}' AND table_name = '${table}'`);
    const count = await q(`SELECT count(*) FROM ${fq}."${table}$snapshots"`);
    return { data: data.rows, columns: Object.fromEntries(columns.rows), snapshotCount: count.rows[0][0] };
  });

  const deadLetter = await connectStage('dead-letter topic', () => deadLetterRead);

  await connectStage('assert', async () => {
    const expected = good(produced.flat()).map((r) => [r.id, r.name, r.amount ?? null]);
    const problems = [];
    if (JSON.stringify(rows.data) !== JSON.stringify(expected)) problems.push(`rows: Trino returned ${JSON.stringify(rows.data)}, produced ${JSON.stringify(expected)}`);
    if (rows.columns.amount !== 'double') problems.push(`the evolved column amount is ${rows.columns.amount ?? 'missing'} in Trino, expected double (columns: ${JSON.stringify(rows.columns)})`);
    if (rows.snapshotCount !== produced.length) problems.push(`Trino sees ${rows.snapshotCount} snapshots, expected ${produced.length} (one commit per batch)`);
    if (new Set(snapshots).size !== produced.length) problems.push(`the catalog's snapshots per commit are not distinct: ${snapshots.join(', ')}`);
    problems.push(...deadLetterProblems(deadLetter, { topic: sink.topics[0], connector: connector.name }));
    const refusedTokens = credentials.tokenRequests.filter((r) => !r.ok);
    if (refusedTokens.length) problems.push(`the catalog refused ${refusedTokens.length} token request(s): ${refusedTokens.map((r) => r.secret).join(', ')}`);
    const refusedSecrets = kubernetes.requests.filter((r) => r.code !== 200);
    if (refusedSecrets.length) problems.push(`the Kubernetes API refused ${refusedSecrets.map((r) => `${r.method} ${r.path} (${r.code})`).join(', ')}`);
    if (problems.length) throw new Error(problems.join('\n'));
    console.log(`  Trino reads ${rows.data.length} rows of ${config.trinoCatalog}.${sink.table}, column amount is ${rows.columns.amount}, ${rows.snapshotCount} snapshots`);
    console.log(`  ${connector.deadLetterTopic} holds the record that is not JSON, from ${deadLetter.headers['__connect.errors.topic']} offset ${deadLetter.headers['__connect.errors.offset']}, stage ${deadLetter.headers['__connect.errors.stage']}, ${deadLetter.headers['__connect.errors.exception.class.name']}`);
    console.log(`  credentials: ${kubernetes.requests.length} Secret reads, all allowed by the generated Role; ${credentials.tokenRequests.length} token requests, none refused (${[...new Set(credentials.tokenRequests.map((r) => r.secret))].join(', ')})`);
  });

  await connectStage('fault: failed task', () => injectTaskFailure({ connectBase, connector, status, failedTask, prometheus: scraping.prometheus, namespace: connectTarget.namespace }));

  if (!runs.flink) return;
  const trinoRows = async (sql) => {
    const { base, headers } = await trinoConnection();
    return (await trinoQuery(base, sql, headers)).rows;
  };
  if (runs.session) {
    await flinkUp;
    await flinkStages(flinkContext, flink, {
      topic: sink.topics[0],
      records: good(produced.flat()),
      namespace: tools.intent.flinkNamespaces[0],
      table,
      connectTable: runs.connect ? { name: sink.table, rows: good(produced.flat()).length } : undefined,
      trinoRows,
      trinoCatalog: config.trinoCatalog,
      tableSnapshot: currentRecords,
    });
    // The session cluster is done: its CPU goes to the application's.
    for (const p of programs.filter((q) => q.name.startsWith('flink-'))) {
      p.expectedExit = true;
      await p.stop(10000);
    }
  }
  if (app) {
    await applicationStages(flinkContext, tools, app, {
      produce: (topic, records) => produce(jvm, local.bootstrap, topic, records),
      tableRecords: currentRecords,
      trinoRows,
      trinoCatalog: config.trinoCatalog,
      history,
    });
  }
}

/** Trino has no PodMonitor (its /metrics wants a user; docs/monitoring.md): the coordinator scraped as coverage.mjs does, with the run's user. */
function trinoScrapeJob(staged, config, user) {
  const https = Boolean(config.trinoFiles['password-authenticator.properties']);
  return {
    job_name: 'trino/coordinator',
    metrics_path: '/metrics',
    scheme: https ? 'https' : 'http',
    static_configs: [{ targets: [`127.0.0.1:${https ? staged.https : staged.http}`], labels: { namespace: 'trino', pod: 'trino-coordinator-local' } }],
    http_headers: { 'X-Trino-User': { values: [user] } },
    ...(https ? { tls_config: { insecure_skip_verify: true }, basic_auth: { username: user, password: staged.password } } : {}),
  };
}

/**
 * The injected fault: the sink's task fails for real (its iceberg.catalog.type removed through
 * Connect's REST API, so Iceberg wants a Hive catalog it cannot load), and the generated
 * KafkaConnectTaskFailed rule, expression and `for` as generated, must turn pending or firing.
 * Then the configuration is put back, the task runs again, and the alert clears.
 */
async function injectTaskFailure({ connectBase, connector, status, failedTask, prometheus, namespace }) {
  await scrapedUp(prometheus, namespace);
  const put = (body) => connectWrite(`the worker to take the configuration of ${connector.name}`, `${connectBase}/connectors/${connector.name}/config`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const began = Date.now();
  const { 'iceberg.catalog.type': _, ...broken } = connector.config;
  await put(broken);
  const failed = await waitFor(`a task of ${connector.name} to fail`, 60000, async () => (await status()).tasks?.find((t) => t.state === 'FAILED'));
  const seen = await waitFor('KafkaConnectTaskFailed to be pending or firing', 60000, async () => {
    const state = await prometheus.alertState('KafkaConnectTaskFailed');
    return state === 'inactive' ? undefined : state;
  });
  console.log(`    task ${failed.id} of ${connector.name} failed (${traceOf(failed).split('\n')[0]}); KafkaConnectTaskFailed ${seen} ${seconds(Date.now() - began)} after the fault`);
  await put(connector.config);
  await connectWrite(`the worker to restart the failed task of ${connector.name}`, `${connectBase}/connectors/${connector.name}/restart?includeTasks=true&onlyFailed=true`, { method: 'POST' });
  await waitFor(`the tasks of ${connector.name} to run again`, 60000, async () => {
    const s = await status();
    return !failedTask(s) && s.tasks?.length > 0 && s.tasks.every((t) => t.state === 'RUNNING') ? true : undefined;
  });
  await waitFor('KafkaConnectTaskFailed to clear', 60000, async () => ((await prometheus.alertState('KafkaConnectTaskFailed')) === 'inactive' ? true : undefined));
  console.log(`    configuration restored: the task runs and the alert cleared ${seconds(Date.now() - began)} after the fault`);
}

/** Every target answered at least once, and every metric of the alerts and panels is accounted for (metrics.mjs). */
async function metricsCoverage() {
  const { prometheus, ran } = metrics;
  const never = await prometheus.query('max by (job, pod, instance) (max_over_time(up[1h])) == 0');
  if (never.length) throw new Error(`never scraped successfully: ${never.map((r) => `${r.metric.job} ${r.metric.pod} at ${r.metric.instance}`).join('; ')}`);
  const report = await checkCoverage(prometheus, ran);
  console.log(`  ${report.scraped.length} metric names of the dev and prod alerts and panels are in this run's scrapes: ${report.scraped.join(', ')}`);
  if (report.skipped.length) console.log(`  not checked in this run (--only): ${report.skipped.join(', ')}`);
  console.log(`  ${report.notRunHere.length} come from programs that cannot run here (test/monitoring/metric-sources.mjs): ${report.notRunHere.join(', ')}`);
  // What monitoring costs the run besides its stages: the server's CPU time (Linux, in clock ticks of 10 ms).
  const [utime, stime] = readFileSync(`/proc/${prometheus.server.child.pid}/stat`, 'utf8').split(') ')[1].split(' ').slice(11, 13).map(Number);
  console.log(`  Prometheus used ${((utime + stime) / 100).toFixed(1)} s of CPU over the run`);
}

/** A token from the stand-in's client-credentials endpoint, as the sink and Trino get theirs. */
async function catalogToken() {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT.POLARIS_CLIENT_ID, client_secret: CLIENT.POLARIS_CLIENT_SECRET, scope: 'PRINCIPAL_ROLE:ALL' });
  return (await json(`${catalogBase}/v1/oauth/tokens`, { method: 'POST', body })).access_token;
}

/** The head of a failed connector or task's stack trace, as Connect's status API reports it. */
const traceOf = (failed) => (failed.trace ?? '').split('\n').slice(0, 6).join('\n');

/** The Secrets the ExternalSecrets make, with this run's client as their values. */
function secretsOf(externalSecrets) {
  const values = { clientId: CLIENT.POLARIS_CLIENT_ID, clientSecret: CLIENT.POLARIS_CLIENT_SECRET };
  return Object.fromEntries(
    externalSecrets.map((s) => {
      const unknown = s.keys.filter((k) => !(k in values));
      if (unknown.length) throw new StageError('config', `ExternalSecret ${s.name}: keys ${unknown.join(', ')} have no value in this run (it knows ${Object.keys(values).join(', ')})`);
      return [`${s.namespace}/${s.name}`, Object.fromEntries(s.keys.map((k) => [k, values[k]]))];
    }),
  );
}

/**
 * The rotation procedure of docs/kafka-connect.md under a running sink: Polaris rotates the
 * client secret (the new one is the main secret, the old one stays valid as the secondary), the
 * Secret the config provider reads changes, and the workers roll (Strimzi's manual rolling
 * update: a fresh JVM). Not a task restart: with several tasks, the Iceberg 1.10.1 sink's commit
 * coordinator keeps the closed catalog client of a restarted task (apache/iceberg#13752), which
 * `--env prod` (three tasks) showed. Done when every task runs again and has taken a token with
 * the new secret; any failed task or refused token request fails it.
 */
async function rotateCredential({ credentials, kubernetes, connector, status, failedTask, rollWorker }) {
  const rotatedAt = Date.now();
  const next = randomBytes(16).toString('hex');
  credentials.rotate(next, 'the rotated secret');
  const secret = Object.keys(kubernetes.secrets).find((k) => 'clientSecret' in kubernetes.secrets[k]);
  kubernetes.update(secret, 'clientSecret', next);
  await rollWorker();
  await waitFor(`the rolled worker's tasks of ${connector.name} to take a token with the rotated secret`, 120000, async () => {
    const s = await status();
    const failed = failedTask(s);
    if (failed) throw new Fatal(`${connector.name} failed after the worker rolled:\n${traceOf(failed)}`);
    const since = credentials.tokenRequests.filter((r) => r.at >= rotatedAt);
    const refused = since.find((r) => !r.ok);
    if (refused) throw new Fatal(`a token request with ${refused.secret} was refused after the rotation`);
    const running = s.tasks?.length > 0 && s.tasks.every((t) => t.state === 'RUNNING');
    return running && since.some((r) => r.secret === 'the rotated secret') ? true : undefined;
  });
  const reads = kubernetes.requests.filter((r) => r.at >= rotatedAt).length;
  console.log(`    ${connector.name}: the worker rolled; ${reads} Secret read(s) since the rotation, tokens now taken with the rotated secret`);
}

/** Produces `records` to `topic` with Kafka's console producer, keyed by id, in one request; a record with `value` is sent as that text. */
async function produce(jvm, bootstrap, topic, records) {
  const input = records.map((r) => (r.value !== undefined ? `${r.key}|${r.value}` : `${r.id}|${JSON.stringify(r)}`)).join('\n') + '\n';
  execFileSync('java', [...jvm('256m', 'log4j2-tools.properties'), 'org.apache.kafka.tools.ConsoleProducer', '--bootstrap-server', bootstrap, '--topic', topic, '--property', 'parse.key=true', '--property', 'key.separator=|', '--producer-property', 'linger.ms=200', '--producer-property', 'acks=all'], { input, stdio: ['pipe', 'ignore', 'pipe'], timeout: 60000 });
}

/** Waits until the table's current snapshot holds `total` records; fails early on a wrong table or a failed task. */
async function waitForCommit({ namespace, table, total, status, failedTask }) {
  const token = await catalogToken();
  const auth = { headers: { Authorization: `Bearer ${token}` } };
  const base = catalogBase;
  return waitFor(`a snapshot of ${namespace}.${table} with ${total} records`, 90000, async () => {
    const s = await status();
    const failed = failedTask(s);
    if (failed) throw new StageError('connector task', `the sink task failed:\n${traceOf(failed)}`);
    const { identifiers } = await json(`${base}/v1/namespaces/${namespace}/tables`, auth);
    const others = identifiers.map((i) => i.name).filter((n) => n !== table);
    if (others.length) throw new Fatal(`the sink wrote ${others.map((n) => `${namespace}.${n}`).join(', ')}, but environments/${options.env}.ts routes the topic to ${namespace}.${table}`);
    if (!identifiers.length) return undefined;
    const { metadata } = await json(`${base}/v1/namespaces/${namespace}/tables/${table}`, auth);
    const current = metadata.snapshots?.find((s) => s['snapshot-id'] === metadata['current-snapshot-id']);
    return Number(current?.summary?.['total-records']) === total ? current['snapshot-id'] : undefined;
  });
}

/** The record count of the current snapshot of `namespace.table` in the catalog; undefined while there is no table. */
async function currentRecords(namespace, table) {
  const auth = { headers: { Authorization: `Bearer ${await catalogToken()}` } };
  const { identifiers } = await json(`${catalogBase}/v1/namespaces/${namespace}/tables`, auth);
  if (!identifiers.some((i) => i.name === table)) return undefined;
  const { metadata } = await json(`${catalogBase}/v1/namespaces/${namespace}/tables/${table}`, auth);
  const current = metadata.snapshots?.find((s) => s['snapshot-id'] === metadata['current-snapshot-id']);
  return current ? Number(current.summary?.['total-records']) : 0;
}

async function shutdown() {
  const start = Date.now();
  // Flink and the worker first (they commit and leave their groups), the broker last but one, then the rest.
  for (const name of ['app-', 'flink-', 'connect', 'trino', 'broker', 'catalog']) {
    for (const p of programs.filter((q) => (name.endsWith('-') ? q.name.startsWith(name) : q.name === name))) {
      p.expectedExit = true;
      await p.stop(20000);
    }
  }
  await metrics?.prometheus.stop();
  await Promise.all(servers.map((s) => s.close()));
  if (options.keep) console.log(`kept ${folders.join(', ')}`);
  else for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  console.log(`  stop and clean up: ${seconds(Date.now() - start)}`);
}

let exitCode = 0;
const interrupted = () => shutdown().finally(() => process.exit(130));
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);
try {
  await main();
  await stage('metrics coverage', metricsCoverage);
  console.log(`end to end: passed in ${seconds(Date.now() - began)} (${times.map(([n, t]) => `${n} ${seconds(t)}`).join(', ')})`);
} catch (error) {
  const stageName = error instanceof StageError ? error.stage : 'setup';
  console.error(`end to end: FAILED at stage "${stageName}" after ${seconds(Date.now() - began)}\n${error.message}`);
  for (const p of programs.filter((q) => q.stage === stageName && q.running)) console.error(`--- ${p.name} log (problems) ---\n${p.problems()}`);
  exitCode = 1;
} finally {
  await shutdown();
}
process.exit(exitCode);
