// Every change the end-to-end test makes to the generated configuration, in one place. Only
// endpoints, replication factors a single broker cannot meet, the storage FileIO and the commit
// interval move; each move names the value it expects to find, taken from the environment's
// intent (test/e2e/intent.ts) where the value comes from a handle, so a generated file that
// drifts from it fails here ("config") instead of being papered over.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { parseProperties, writeProperties } from '../lib/programs.mjs';

export class StageError extends Error {
  constructor(stage, message) {
    super(message);
    this.stage = stage;
  }
}

/**
 * Deliberate mistakes in the generated files, to prove the run fails where it should
 * (`npm run e2e -- --break <name>`; test/e2e/broken.mjs runs each). `stage` is where it must fail.
 */
export const BREAKS = {
  'table-route': {
    stage: 'commit',
    what: "the sink's iceberg.tables routes the topic to raw.event instead of the environment's table",
    connector: (config) => ({ ...config, 'iceberg.tables': String(config['iceberg.tables']).replace(/s$/, '') }),
  },
  'sink-catalog-key': {
    stage: 'connector task',
    what: "the sink's iceberg.catalog.type is misspelt iceberg.catalog.typ (Iceberg then falls back to a Hive catalog)",
    connector: ({ 'iceberg.catalog.type': type, ...rest }) => ({ ...rest, 'iceberg.catalog.typ': type }),
  },
  'dead-letter-off': {
    stage: 'connector task',
    what: "the sink has no errors.tolerance (Connect's default none): the record that is not JSON stops the task",
    connector: ({ 'errors.tolerance': _, ...rest }) => rest,
  },
  'secret-role': {
    stage: 'connector task',
    what: "the Connect service account's Role names another Secret than the one the sink's credential reads",
    rbac: (objects) => objects.map((o) => (o.kind === 'Role' ? { ...o, rules: o.rules.map((r) => ({ ...r, resourceNames: r.resourceNames?.map((n) => `${n}-other`) })) } : o)),
  },
  'metrics-port': {
    stage: 'worker',
    what: "the Connect PodMonitor scrapes port 9405, where Strimzi's exporter does not listen (it serves 9404)",
    podMonitor: (m) => (m.metadata.namespace === 'kafka-connect' ? { ...m, spec: { ...m.spec, podMetricsEndpoints: m.spec.podMetricsEndpoints.map((e) => ({ ...e, portNumber: e.portNumber + 1 })) } } : m),
  },
  'trino-catalog-key': {
    stage: 'trino',
    what: "Trino's catalog file has iceberg.rest-catalog.warehous for iceberg.rest-catalog.warehouse",
    catalog: (text) => text.replace('iceberg.rest-catalog.warehouse=', 'iceberg.rest-catalog.warehous='),
  },
};

/** The objects of dist/<env>/<component>/, by kind. */
export function objectsOf(dist, env, component) {
  const dir = join(dist, env, component);
  const objects = readdirSync(dir).map((f) => YAML.parse(readFileSync(join(dir, f), 'utf8')));
  const one = (kind, name) => {
    const found = objects.filter((o) => o.kind === kind && (!name || o.metadata.name === name));
    if (found.length !== 1) throw new StageError('config', `dist/${env}/${component}/ has ${found.length} ${kind}${name ? ` named ${name}` : ''}, expected one`);
    return found[0];
  };
  one.all = (kind) => objects.filter((o) => o.kind === kind);
  return one;
}

/** Strimzi's Kubernetes Secret config provider (kafka-kubernetes-config-provider, in Strimzi's Kafka images). */
const KUBERNETES_SECRET_PROVIDER = 'io.strimzi.kafka.KubernetesSecretConfigProvider';

/**
 * A function that moves `entries[key]` to `to` (undefined: removes it) after checking it is
 * `expected` (when given), recording the move in `rewrites` for printing.
 */
export function mover(rewrites) {
  return (file, entries, key, expected, to, why) => {
    const from = entries[key];
    if (expected !== undefined && String(from) !== String(expected)) {
      throw new StageError('config', `${file}: ${key} is ${JSON.stringify(from)}, but ${why.source ?? 'the environment'} gives ${JSON.stringify(expected)}`);
    }
    if (from === undefined) throw new StageError('config', `${file}: ${key} is missing`);
    rewrites.push({ file, key, from: String(from), to: to === undefined ? '(removed)' : String(to), why: why.text ?? why });
    if (to === undefined) delete entries[key];
    else entries[key] = to;
  };
}

/**
 * The configuration the loopback run uses, derived from dist/<env>/: the Connect worker's and the
 * sink's properties, the topic commands of the platform's topics Job, and Trino's catalog file.
 * `local` holds the loopback endpoints; `rewrites` lists every move, for printing.
 */
export function loopbackConfig({ dist, intent, local, breaks = [] }) {
  const { env } = intent;
  const rewrites = [];
  const move = mover(rewrites);

  const connect = objectsOf(dist, env, 'kafka-connect');
  const cluster = connect('KafkaConnect');
  const clusterFile = `dist/${env}/kafka-connect/kafkaconnect-${cluster.metadata.name}.yaml`;
  const loopbackKafka = 'a single loopback broker stands in for WarpStream';
  // What Strimzi adds to spec.config from the KafkaConnect spec (the operator writes these).
  const worker = {
    ...cluster.spec.config,
    'bootstrap.servers': cluster.spec.bootstrapServers,
    'group.id': cluster.spec.groupId,
    'config.storage.topic': cluster.spec.configStorageTopic,
    'offset.storage.topic': cluster.spec.offsetStorageTopic,
    'status.storage.topic': cluster.spec.statusStorageTopic,
  };
  move(clusterFile, worker, 'bootstrap.servers', undefined, local.bootstrap, loopbackKafka);
  for (const key of ['config.storage.replication.factor', 'offset.storage.replication.factor', 'status.storage.replication.factor']) {
    move(clusterFile, worker, key, undefined, 1, 'one broker holds one replica');
  }
  // Strimzi sets the REST listener and the plugin path itself; these are the loopback equivalents.
  worker.listeners = `http://127.0.0.1:${local.connectPort}`;
  worker['plugin.path'] = local.pluginPath;
  // The Kubernetes Secret config provider keeps its class; only where its client finds the API moves.
  const secretProviders = String(worker['config.providers'] ?? '').split(',').map((p) => p.trim()).filter((p) => worker[`config.providers.${p}.class`] === KUBERNETES_SECRET_PROVIDER);
  for (const name of secretProviders) {
    rewrites.push({ file: clusterFile, key: `config.providers.${name} (the provider's Kubernetes client)`, from: 'the in-cluster API with the pod service account token', to: local.kubernetesApi, why: 'a loopback Kubernetes API serves the ExternalSecrets\' Secrets and enforces the generated Role and RoleBinding' });
  }

  const sinks = intent.sinks.map((sink) => {
    const object = connect('KafkaConnector', sink.name);
    const file = `dist/${env}/kafka-connect/kafkaconnector-${sink.name}.yaml`;
    let config = { ...object.spec.config };
    for (const name of breaks) config = BREAKS[name]?.connector?.(config) ?? config;
    const handle = intent.polaris['kafka-connect'];
    const source = { source: 'the Polaris handle (consumer kafka-connect)' };
    move(file, config, 'iceberg.catalog.uri', handle.catalogUri, local.catalogUri, { ...source, text: 'the Iceberg REST catalog server stands in for Polaris' });
    move(file, config, 'iceberg.catalog.oauth2-server-uri', handle.oauthTokenUri, local.tokenUri, { ...source, text: "the stand-in's own OAuth2 client-credentials endpoint" });
    move(file, config, 'iceberg.catalog.io-impl', 'org.apache.iceberg.azure.adlsv2.ADLSFileIO', 'org.apache.iceberg.hadoop.HadoopFileIO', 'a local warehouse folder stands in for ADLS');
    move(file, config, 'iceberg.control.commit.interval-ms', undefined, local.commitIntervalMs, 'commit every few seconds so the run takes a minute');
    move(file, config, 'errors.deadletterqueue.topic.replication.factor', undefined, 1, 'one broker holds one replica');
    // After the worker's roll the new commit coordinator's consumer waits for the old one's session
    // to expire: the Iceberg 1.10.1 sink stops its coordinator thread without waiting for it to
    // close that consumer (CommitterImpl.stopCoordinator; apache/iceberg#17349). Not set in the
    // generated file (docs/kafka-connect.md says why); the sink passes iceberg.kafka.* to its clients.
    const session = 'iceberg.kafka.session.timeout.ms';
    if (session in config) throw new StageError('config', `${file}: ${session} is set (${config[session]}); the run would replace it`);
    rewrites.push({ file, key: session, from: '(not set: the consumer default 45000)', to: String(local.coordinatorSessionTimeoutMs), why: "the commit coordinator's consumer takes over within 10 s of the worker's roll, not 45 s" });
    config[session] = String(local.coordinatorSessionTimeoutMs);
    return { name: sink.name, file, deadLetterTopic: config['errors.deadletterqueue.topic.name'], config: { 'connector.class': object.spec.class, 'tasks.max': String(object.spec.tasksMax), ...config } };
  });

  const job = connect('Job');
  const jobFile = `dist/${env}/kafka-connect/job-${job.metadata.name}.yaml`;
  const script = job.spec.template.spec.containers[0].command.at(-1);
  // The Job's script: `set -eu`, then one kafka-topics.sh command a line.
  if (!script.startsWith('set -eu\n')) throw new StageError('config', `${jobFile}: the topics script does not start with set -eu, so a failed command would not stop it`);
  const topicCommands = script.split('\n').slice(1).filter((line) => line.trim()).map((command, i) => {
    const [program, ...args] = command.trim().split(/\s+/);
    if (!program.endsWith('/kafka-topics.sh')) throw new StageError('config', `${jobFile}: command ${i + 1} runs ${program}, expected kafka-topics.sh`);
    const options = Object.fromEntries(args.flatMap((a, j) => (a.startsWith('--') && args[j + 1] && !args[j + 1].startsWith('--') ? [[a, j + 1]] : [])));
    const topic = args[options['--topic']];
    const entries = { '--bootstrap-server': args[options['--bootstrap-server']], '--replication-factor': args[options['--replication-factor']] };
    move(`${jobFile} (${topic})`, entries, '--bootstrap-server', cluster.spec.bootstrapServers, local.bootstrap, { source: clusterFile, text: loopbackKafka });
    move(`${jobFile} (${topic})`, entries, '--replication-factor', undefined, 1, 'one broker holds one replica');
    args[options['--bootstrap-server']] = entries['--bootstrap-server'];
    args[options['--replication-factor']] = entries['--replication-factor'];
    return { topic, args };
  });

  const trino = objectsOf(dist, env, 'trino')('ConfigMap', 'trino-coordinator');
  const trinoFile = `dist/${env}/trino/configmap-trino-coordinator.yaml`;
  const trinoCatalogs = Object.keys(trino.data).filter((k) => k !== 'config.properties' && k.endsWith('.properties') && parseProperties(trino.data[k])['connector.name'] === 'iceberg');
  if (trinoCatalogs.length !== 1) throw new StageError('config', `${trinoFile}: ${trinoCatalogs.length} Iceberg catalog files, expected one`);
  let catalogText = trino.data[trinoCatalogs[0]];
  for (const name of breaks) catalogText = BREAKS[name]?.catalog?.(catalogText) ?? catalogText;
  const catalog = parseProperties(catalogText);
  const trinoHandle = intent.polaris.trino;
  const trinoSource = { source: 'the Polaris handle (consumer trino)' };
  const catalogFile = `${trinoFile} ${trinoCatalogs[0]}`;
  move(catalogFile, catalog, 'iceberg.rest-catalog.uri', trinoHandle.catalogUri, local.catalogUri, { ...trinoSource, text: 'the Iceberg REST catalog server stands in for Polaris' });
  move(catalogFile, catalog, 'iceberg.rest-catalog.oauth2.server-uri', trinoHandle.oauthTokenUri, local.tokenUri, { ...trinoSource, text: "the stand-in's own OAuth2 client-credentials endpoint" });
  move(catalogFile, catalog, 'fs.native-azure.enabled', 'true', undefined, 'a local warehouse folder stands in for ADLS');
  move(catalogFile, catalog, 'azure.auth-type', undefined, undefined, 'no Azure here: no workload identity');
  catalog['fs.native-local.enabled'] = 'true';
  // Locations are file:///<absolute path>; Trino resolves their path under local.location.
  catalog['local.location'] = '/';
  rewrites.push({ file: catalogFile, key: 'fs.native-local.enabled, local.location', from: '(absent)', to: 'true, /', why: "Trino's local file system reads the stand-in warehouse" });
  const catalogName = trinoCatalogs[0].replace(/\.properties$/, '');
  // What the loopback Kubernetes API needs: the RBAC objects, the service account Strimzi creates
  // for the cluster (<name>-connect), and the Secrets the ExternalSecrets would make (their keys).
  let rbac = [...connect.all('Role'), ...connect.all('RoleBinding')];
  for (const name of breaks) rbac = BREAKS[name]?.rbac?.(rbac) ?? rbac;
  const kubernetes = {
    rbac,
    serviceAccount: { namespace: cluster.metadata.namespace, name: `${cluster.metadata.name}-connect` },
    secrets: connect.all('ExternalSecret').map((e) => ({ namespace: e.metadata.namespace, name: e.spec.target?.name ?? e.metadata.name, keys: e.spec.data.map((d) => d.secretKey) })),
  };
  return { worker, sinks, topicCommands, kubernetes, trinoFiles: trino.data, trinoCatalog: catalogName, trinoCatalogText: writeProperties(catalog), rewrites };
}
