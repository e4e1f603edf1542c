// Validates dist/<env>/kafka-connect/ with the real Kafka Connect and Iceberg sink classes:
// the plugin jars resolved from the image's own build description (images/kafka-connect/pom.xml)
// and the Connect runtime of the Strimzi image's Kafka (test/kafka-connect/pom.xml), both with
// Maven into ~/.cache/aks-lakehouse. ConnectConfigCheck.java does the checking; this prepares
// the property files exactly as Strimzi would hand them to the worker and the connector, and
// proves the check can fail with a misspelt key.
//
//   node test/kafka-connect/check.mjs [dist dir]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { cache as cacheRoot, need, ProgramError, resolveJars, root, writeProperties as properties } from '../lib/programs.mjs';

const here = import.meta.dirname;
const dist = resolve(process.argv[2] ?? join(root, 'dist'));
const cache = join(cacheRoot, 'kafka-connect');

function main() {
  need('mvn', 'install Maven: apt-get install maven');
  need('javac', 'install a JDK 17: apt-get install openjdk-17-jdk-headless');
  const plugin = resolveJars(join(root, 'images', 'kafka-connect', 'pom.xml'), join(cache, 'plugin'));
  const runtime = resolveJars(join(here, 'pom.xml'), join(cache, 'runtime'));
  const envs = readdirSync(dist).filter((e) => existsSync(join(dist, e, 'kafka-connect'))).sort();
  if (envs.length === 0) {
    console.error(`kafka-connect check: no dist/<env>/kafka-connect/ in ${dist}`);
    process.exit(1);
  }
  const work = mkdtempSync(join(tmpdir(), 'connect-check-'));
  // Compiled into this run's folder: a shared classes folder let another worktree's older check
  // run in its place (its cases passed where this one's must fail).
  const classes = join(work, 'classes');
  const classpath = [join(runtime, '*'), join(plugin, '*')].join(':');
  const run = (files) => spawnSync('java', ['-cp', `${classes}:${classpath}`, 'ConnectConfigCheck', ...files], { encoding: 'utf8' });
  let failed = false;
  let lastConnector;
  try {
    execFileSync('javac', ['--release', '17', '-nowarn', '-cp', classpath, '-d', classes, join(here, 'ConnectConfigCheck.java')], { stdio: 'inherit' });
    for (const env of envs) {
      const dir = join(dist, env, 'kafka-connect');
      const objects = readdirSync(dir).map((f) => YAML.parse(readFileSync(join(dir, f), 'utf8')));
      const connect = objects.find((o) => o.kind === 'KafkaConnect');
      // What Strimzi adds to spec.config from the KafkaConnect spec, marked so the check can tell them apart.
      const worker = {
        ...connect.spec.config,
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
        writeFileSync(file, properties({ name: c.metadata.name, 'connector.class': c.spec.class, 'tasks.max': c.spec.tasksMax, ...c.spec.config }));
        files.push(file);
        lastConnector = file;
      }
      console.log(`${env}: ${files.length - 1} connectors`);
      const result = run(files);
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr.split('\n').filter((l) => !/SLF4J|log4j/i.test(l)).join('\n'));
      if (result.status !== 0) failed = true;
    }
    // The check can fail: each mistake must be reported, in the check's words.
    const mistakes = [
      ['a misspelt sink key', ['iceberg.tables.auto-create-enabled=', 'iceberg.tables.autocreate-enabled='], 'iceberg.tables.autocreate-enabled: neither a setting'],
      ['a misspelt dead-letter key', ['errors.deadletterqueue.topic.name=', 'errors.deadletterqueue.topic.nam='], 'errors.deadletterqueue.topic.nam: neither a setting'],
      ['a reference to an undeclared config provider', [/\$\{secrets:/g, '${secret:'], 'names a config provider the worker does not declare'],
      ['a Secret path the Kubernetes provider cannot parse', [/\$\{secrets:[a-z0-9.-]+\//g, '${secrets:Kafka_Connect/'], 'a config variable does not resolve: Invalid path'],
    ];
    for (const [what, [from, to], expected] of mistakes) {
      const broken = join(work, 'broken.properties');
      writeFileSync(broken, readFileSync(lastConnector, 'utf8').replace(from, to));
      const negative = run([files0(work, envs), broken]);
      const caught = negative.status !== 0 && negative.stdout.includes(expected);
      console.log(`${caught ? 'ok  ' : 'FAIL'} ${what} is reported`);
      if (!caught) {
        failed = true;
        console.log(negative.stdout);
      }
    }
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
