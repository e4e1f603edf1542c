// What the end-to-end Flink stages change in the generated Flink configuration, printed like the
// rest (rewrites.mjs): endpoints and ports, file:// for abfss:// (no ADLS here), HadoopFileIO for
// ADLSFileIO, no Kubernetes HA (no Kubernetes), memory sized for this machine, and a short
// checkpoint interval. Each move names the value it expects to find.
import { objectsOf, StageError } from './rewrites.mjs';

/** Deliberate Flink mistakes (npm run e2e:broken); `stage` is where each must fail. */
export const FLINK_BREAKS = {
  'flink-catalog-key': {
    stage: 'flink sql',
    what: "the gateway's catalog file has catalog-typ for catalog-type (Iceberg then wants a Hive catalog)",
    catalog: ({ 'catalog-type': type, ...rest }) => ({ ...rest, 'catalog-typ': type }),
  },
  'flink-missing-jar': {
    stage: 'flink sql',
    what: 'the image jar list lacks the Kafka SQL connector',
    jars: (jars) => jars.filter((j) => !/\/flink-connector-kafka-[^/]*\.jar$/.test(j)),
  },
  'flink-no-hadoop': {
    stage: 'flink sql',
    what: 'the image jar list lacks Hadoop (iceberg-flink-runtime has it compileOnly)',
    jars: (jars) => jars.filter((j) => !/\/hadoop-client-[^/]*\.jar$/.test(j)),
  },
  'flink-app-no-savepoint': {
    stage: 'app commit after restart',
    what: 'the application restarts without its savepoint (as a last-state upgrade that lost its checkpoints would)',
    restartWithoutSavepoint: true,
  },
  'flink-no-checkpoints': {
    stage: 'flink commit',
    what: "the gateway sends no checkpoint interval with its jobs (Flink 1.20 reads it on the client): the INSERT never commits",
    gateway: ({ 'execution.checkpointing.interval': _, ...rest }) => rest,
  },
};

/** `-Dkey=value` arguments of a generated command line. */
const dynamicProperties = (line) => Object.fromEntries([...line.matchAll(/ -D([^=\s]+)=(\S*)/g)].map((m) => [m[1], m[2]]));

/**
 * The session cluster's configuration (JobManager and TaskManager), the SQL Gateway's dynamic
 * properties and its catalog store script, from dist/<env>/flink/, moved to loopback.
 */
/**
 * A FlinkDeployment's flinkConfiguration on loopback: file:// state, no Kubernetes HA, the short
 * checkpoint interval, and what the operator would write for the pods (`operator`, printed apart).
 */
export function clusterLoopback(file, deployment, local, move) {
  const cluster = { ...deployment.spec.flinkConfiguration };
  const noAdls = 'a local folder stands in for ADLS';
  for (const [key, folder] of [['execution.checkpointing.dir', 'checkpoints'], ['execution.checkpointing.savepoint-dir', 'savepoints'], ['jobmanager.archive.fs.dir', 'completed-jobs']]) {
    move(file, cluster, key, undefined, `file://${local.stateDir}/${folder}`, noAdls);
  }
  move(file, cluster, 'high-availability.type', 'kubernetes', undefined, 'no Kubernetes here: no HA services');
  move(file, cluster, 'high-availability.storageDir', undefined, undefined, 'no HA here');
  move(file, cluster, 'state.backend.rocksdb.localdir', undefined, `${local.stateDir}/rocksdb`, "the TaskManager's local disk");
  move(file, cluster, 'execution.checkpointing.interval', undefined, local.checkpointInterval, 'checkpoint (and so commit) every few seconds so the run takes a minute');
  // What the operator writes for the pods (ports, addresses, memory from spec.*.resource), here on loopback and small.
  const operator = {
    'jobmanager.rpc.address': '127.0.0.1',
    'jobmanager.bind-host': '127.0.0.1',
    'jobmanager.rpc.port': local.rpcPort,
    'rest.address': '127.0.0.1',
    'rest.bind-address': '127.0.0.1',
    'rest.port': local.restPort,
    'blob.server.port': '0',
    'taskmanager.host': '127.0.0.1',
    'taskmanager.bind-host': '127.0.0.1',
    'jobmanager.memory.process.size': '1024m',
    'taskmanager.memory.process.size': '1600m',
    'io.tmp.dirs': local.tmpDir,
  };
  // Flink's Prometheus reporter (the PodMonitor's port in every pod): one free port per process
  // here, the JobManager's in the file and the TaskManager's as its dynamic property.
  const taskManagerOverrides = {};
  if (cluster['metrics.reporter.prom.port'] !== undefined) {
    move(file, cluster, 'metrics.reporter.prom.port', undefined, local.metricsPorts.jobManager, "the JobManager's reporter on a free port (each pod has its own address in the cluster)");
    taskManagerOverrides['metrics.reporter.prom.port'] = local.metricsPorts.taskManager;
    rewritesNote(move, file, local.metricsPorts.taskManager);
  }
  const resources = { jobManager: { ...deployment.spec.jobManager.resource }, taskManager: { ...deployment.spec.taskManager.resource } };
  move(`${file} spec.jobManager.resource`, resources.jobManager, 'memory', undefined, operator['jobmanager.memory.process.size'], 'jobmanager.memory.process.size, sized for this machine');
  move(`${file} spec.taskManager.resource`, resources.taskManager, 'memory', undefined, operator['taskmanager.memory.process.size'], 'taskmanager.memory.process.size, sized for this machine');
  return { cluster: { ...cluster, ...operator }, operator, taskManagerOverrides };
}

/** Records the TaskManager's reporter port, which its start command sets over the file's. */
function rewritesNote(move, file, port) {
  move(`${file} (TaskManager)`, { 'metrics.reporter.prom.port': 'as the JobManager' }, 'metrics.reporter.prom.port', undefined, port, "-D of the TaskManager's start command: the TaskManager's reporter on a free port of its own");
}

/** The CATALOG lines of a gateway or job (`key: "value"`), moved to the catalog stand-in. */
export function catalogLoopback(file, text, handle, local, move, breaks = []) {
  let catalog = Object.fromEntries(text.split('\n').map((l) => [l.slice(0, l.indexOf(':')), JSON.parse(l.slice(l.indexOf(':') + 1).trim())]));
  for (const name of breaks) catalog = FLINK_BREAKS[name]?.catalog?.(catalog) ?? catalog;
  const source = { source: `the Polaris handle (consumer ${handle.consumer})` };
  move(file, catalog, 'uri', handle.catalogUri, local.catalogUri, { ...source, text: 'the Iceberg REST catalog server stands in for Polaris' });
  move(file, catalog, 'oauth2-server-uri', handle.oauthTokenUri, local.tokenUri, { ...source, text: "the stand-in's own OAuth2 client-credentials endpoint" });
  move(file, catalog, 'io-impl', 'org.apache.iceberg.azure.adlsv2.ADLSFileIO', 'org.apache.iceberg.hadoop.HadoopFileIO', 'a local folder stands in for ADLS');
  return Object.entries(catalog).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n');
}

/**
 * The session cluster's configuration (JobManager and TaskManager), the SQL Gateway's dynamic
 * properties and its catalog store script, from dist/<env>/flink/, moved to loopback.
 */
export function flinkLoopbackConfig({ dist, intent, local, breaks = [], move }) {
  const { env } = intent;
  const flink = objectsOf(dist, env, 'flink');
  const session = flink('FlinkDeployment', 'flink-session');
  const sessionFile = `dist/${env}/flink/flinkdeployment-flink-session.yaml`;
  const { cluster, operator, taskManagerOverrides } = clusterLoopback(sessionFile, session, { stateDir: local.flinkState, tmpDir: local.flinkTmp, rpcPort: local.flinkRpcPort, restPort: local.flinkRestPort, checkpointInterval: local.checkpointInterval, metricsPorts: local.metricsPorts }, move);

  const gatewayObject = flink('Deployment', 'flink-sql-gateway');
  const gatewayFile = `dist/${env}/flink/deployment-flink-sql-gateway.yaml`;
  const container = gatewayObject.spec.template.spec.containers[0];
  const script = container.command.at(-1).split('\n');
  const execLine = script.find((l) => l.startsWith('exec '));
  if (!execLine?.includes('/sql-gateway.sh start-foreground')) throw new StageError('config', `${gatewayFile}: the gateway command does not end in sql-gateway.sh start-foreground`);
  let gateway = dynamicProperties(execLine);
  for (const name of breaks) gateway = FLINK_BREAKS[name]?.gateway?.(gateway) ?? gateway;
  const loopbackGateway = 'the session cluster on loopback';
  move(gatewayFile, gateway, 'rest.address', undefined, '127.0.0.1', loopbackGateway);
  move(gatewayFile, gateway, 'rest.port', undefined, local.flinkRestPort, loopbackGateway);
  move(gatewayFile, gateway, 'sql-gateway.endpoint.rest.address', undefined, '127.0.0.1', 'loopback only');
  move(gatewayFile, gateway, 'sql-gateway.endpoint.rest.port', undefined, local.gatewayPort, 'a free port');
  move(gatewayFile, gateway, 'table.catalog-store.file.path', '/catalogs', local.catalogStore, 'a folder of the run');
  if (gateway['execution.checkpointing.interval'] !== undefined) {
    move(gatewayFile, gateway, 'execution.checkpointing.interval', session.spec.flinkConfiguration['execution.checkpointing.interval'], local.checkpointInterval, { source: sessionFile, text: 'as the cluster, every few seconds' });
  }
  const jvmOptions = (gateway['env.java.opts.sql-gateway'] ?? '').split(/\s+/).filter(Boolean);

  const catalogEnv = container.env.find((e) => e.name === 'CATALOG')?.value;
  if (!catalogEnv) throw new StageError('config', `${gatewayFile}: no CATALOG variable`);
  const catalogText = catalogLoopback(`${gatewayFile} CATALOG`, catalogEnv, { ...intent.polaris.flink, consumer: 'flink' }, local, move, breaks);
  // The gateway's own start lines before `exec`, run by sh with the store folder moved.
  const storeScript = script.filter((l) => l !== execLine).join('\n').replaceAll('/catalogs/', `${local.catalogStore}/`);
  move(gatewayFile, { 'catalog store file': '/catalogs/' }, 'catalog store file', undefined, `${local.catalogStore}/`, 'the printf of the start script writes into the run folder');
  return { cluster, operator, taskManagerOverrides, gateway, jvmOptions, storeScript, catalogText, warehouse: intent.polaris.flink.warehouse };
}
