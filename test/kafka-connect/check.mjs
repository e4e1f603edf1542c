// Validates dist/<env>/kafka-connect/ with the real Kafka Connect and Iceberg sink classes:
// the plugin jars resolved from the image's own build description (images/kafka-connect/pom.xml)
// and the Connect runtime of the Strimzi image's Kafka (test/kafka-connect/pom.xml), both with
// Maven into ~/.cache/aks-lakehouse. ConnectConfigCheck.java does the checking; this prepares
// the property files exactly as Strimzi would hand them to the worker and the connector, and
// proves the check can fail with a misspelt key.
//
//   node test/kafka-connect/check.mjs [dist dir]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { cache as cacheRoot, need, ProgramError, resolveJars, root, writeProperties as properties } from '../lib/programs.mjs';

const here = import.meta.dirname;
const dist = resolve(process.argv[2] ?? join(root, 'dist'));
const cache = join(cacheRoot, 'kafka-connect');

/** ${env:NAME} as Kafka's EnvVarConfigProvider resolves it; the values are this test's. */
function resolveEnv(config, moved) {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => {
      const value = String(v).replace(/\$\{env:([A-Z_]+)\}/g, (_, name) => {
        moved.add(name);
        return `test-${name.toLowerCase()}`;
      });
      return [k, value];
    }),
  );
}

function main() {
  need('mvn', 'install Maven: apt-get install maven');
  need('javac', 'install a JDK 17: apt-get install openjdk-17-jdk-headless');
  const plugin = resolveJars(join(root, 'images', 'kafka-connect', 'pom.xml'), join(cache, 'plugin'));
  const runtime = resolveJars(join(here, 'pom.xml'), join(cache, 'runtime'));
  const classes = join(cache, 'classes');
  mkdirSync(classes, { recursive: true });
  const classpath = [join(runtime, '*'), join(plugin, '*')].join(':');
  execFileSync('javac', ['--release', '17', '-nowarn', '-cp', classpath, '-d', classes, join(here, 'ConnectConfigCheck.java')], { stdio: 'inherit' });

  const envs = readdirSync(dist).filter((e) => existsSync(join(dist, e, 'kafka-connect'))).sort();
  if (envs.length === 0) {
    console.error(`kafka-connect check: no dist/<env>/kafka-connect/ in ${dist}`);
    process.exit(1);
  }
  const work = mkdtempSync(join(tmpdir(), 'connect-check-'));
  const run = (files) => spawnSync('java', ['-cp', `${classes}:${classpath}`, 'ConnectConfigCheck', ...files], { encoding: 'utf8' });
  let failed = false;
  let lastConnector;
  try {
    for (const env of envs) {
      const dir = join(dist, env, 'kafka-connect');
      const objects = readdirSync(dir).map((f) => YAML.parse(readFileSync(join(dir, f), 'utf8')));
      const connect = objects.find((o) => o.kind === 'KafkaConnect');
      const moved = new Set();
      // What Strimzi adds to spec.config from the KafkaConnect spec, marked so the check can tell them apart.
      const worker = {
        ...resolveEnv(connect.spec.config, moved),
        'spec.bootstrap.servers': connect.spec.bootstrapServers,
        'spec.group.id': connect.spec.groupId,
        'spec.config.storage.topic': connect.spec.configStorageTopic,
        'spec.offset.storage.topic': connect.spec.offsetStorageTopic,
        'spec.status.storage.topic': connect.spec.statusStorageTopic,
      };
      const files = [join(work, `${env}-worker.properties`)];
      writeFileSync(files[0], properties(worker));
      for (const c of objects.filter((o) => o.kind === 'KafkaConnector')) {
        const file = join(work, `${env}-${c.metadata.name}.properties`);
        writeFileSync(file, properties({ name: c.metadata.name, 'connector.class': c.spec.class, 'tasks.max': c.spec.tasksMax, ...resolveEnv(c.spec.config, moved) }));
        files.push(file);
        lastConnector = file;
      }
      console.log(`${env}: ${files.length - 1} connectors; \${env:...} set for this test: ${[...moved].sort().join(', ') || 'none'}`);
      const result = run(files);
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr.split('\n').filter((l) => !/SLF4J|log4j/i.test(l)).join('\n'));
      if (result.status !== 0) failed = true;
    }
    // The check can fail: a misspelt sink key must be reported.
    const misspelt = join(work, 'misspelt.properties');
    writeFileSync(misspelt, readFileSync(lastConnector, 'utf8').replace('iceberg.tables.auto-create-enabled=', 'iceberg.tables.autocreate-enabled='));
    const negative = run([files0(work, envs), misspelt]);
    const caught = negative.status !== 0 && negative.stdout.includes('iceberg.tables.autocreate-enabled: neither a setting');
    console.log(`${caught ? 'ok  ' : 'FAIL'} a misspelt sink key is reported`);
    if (!caught) failed = true;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

function files0(work, envs) {
  return join(work, `${envs[0]}-worker.properties`);
}

try {
  main();
} catch (error) {
  if (!(error instanceof ProgramError)) throw error;
  console.error(`kafka-connect check: ${error.message}`);
  process.exit(1);
}
