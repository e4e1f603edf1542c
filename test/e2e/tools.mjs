// What the end-to-end run builds or resolves once into the cache (~/.cache/aks-lakehouse), each
// keyed by the content it comes from: Kafka's and Flink's jars, the Connect plugin, the JMX
// exporter agent, the launcher of Kafka's tools, the example job's jar. Node built-ins only:
// scripts/prefetch.mjs fills them in the background of npm test (after Maven's downloads, before
// npm ci may have ended), so that a first `npm run e2e` finds them.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cache, cachedFolder, mavenArtifact, resolveJars, root } from '../lib/programs.mjs';

/** The reporter jar the Flink 1.20.0 distribution ships in plugins/metrics-prometheus/ (flink-dist's plugins assembly). */
const FLINK_REPORTER = 'org.apache.flink:flink-metrics-prometheus:1.20.0';
const JOB = join(root, 'jobs', 'orders-enricher');

/** Kafka's jars (broker, Connect, tools) for the e2e's programs. */
export const kafkaJars = () => resolveJars(join(root, 'test', 'e2e', 'pom.xml'), join(cache, 'e2e', 'kafka'));

/** The Connect image's plugin jars (images/kafka-connect/pom.xml). */
export const connectPluginJars = () => resolveJars(join(root, 'images', 'kafka-connect', 'pom.xml'), join(cache, 'kafka-connect', 'plugin'));

/** Flink's modules and the image's lib/ additions. */
export function flinkJars() {
  const modules = resolveJars(join(root, 'test', 'e2e', 'flink', 'pom.xml'), join(cache, 'e2e', 'flink'));
  const lib = resolveJars(join(root, 'images', 'flink', 'sql-jars', 'pom.xml'), join(cache, 'flink', 'sql-jars'));
  return { modules, libJars: readdirSync(lib).filter((j) => j.endsWith('.jar')).map((j) => join(lib, j)) };
}

/** Flink's Prometheus reporter plugin, as the image's plugins/ holds it. */
export const flinkReporterJar = () => mavenArtifact(FLINK_REPORTER);

/**
 * The JMX exporter agent (test/e2e/jmx-exporter/: collector 1.6.0 from Maven Central behind a
 * small agent); returns the JVM options that start it.
 */
export function jmxExporterAgent() {
  const dir = join(root, 'test', 'e2e', 'jmx-exporter');
  const lib = resolveJars(join(dir, 'pom.xml'), join(cache, 'e2e', 'jmx-exporter'));
  const sources = ['Agent.java', 'Exporter.java'];
  const hash = createHash('sha256').update(sources.map((s) => readFileSync(join(dir, s), 'utf8')).join('\0')).digest('hex').slice(0, 12);
  const built = cachedFolder(join(cache, 'e2e', `jmx-agent-${hash}`), (partial) => {
    mkdirSync(join(partial, 'classes'));
    mkdirSync(join(partial, 'exporter'));
    execFileSync('javac', ['--release', '17', '-d', join(partial, 'classes'), '-cp', join(lib, '*'), ...sources.map((s) => join(dir, s))], { stdio: 'inherit' });
    writeFileSync(join(partial, 'manifest.txt'), 'Premain-Class: Agent\n');
    execFileSync('jar', ['--create', '--file', join(partial, 'agent.jar'), '--manifest', join(partial, 'manifest.txt'), '-C', join(partial, 'classes'), 'Agent.class']);
    execFileSync('jar', ['--create', '--file', join(partial, 'exporter', 'exporter.jar'), '-C', join(partial, 'classes'), 'Exporter.class']);
  });
  return (port, config) => [`-De2e.jmx.exporter.lib=${lib}:${join(built, 'exporter')}`, `-javaagent:${join(built, 'agent.jar')}=127.0.0.1:${port}:${config}`];
}

/**
 * Kafka's command-line tools several times in one JVM (kafka-tools/InOrder.java, compiled against
 * `kafkaLib`): the topics Job's commands, one after another as its shell runs them, without a JVM
 * start for each. Returns the folder of the class, for the classpath beside Kafka's jars.
 */
export function inOrderLauncher(kafkaLib) {
  const source = join(root, 'test', 'e2e', 'kafka-tools', 'InOrder.java');
  const hash = createHash('sha256').update(readFileSync(source)).update(kafkaLib).digest('hex').slice(0, 12);
  return cachedFolder(join(cache, 'e2e', `kafka-in-order-${hash}`), (partial) => {
    execFileSync('javac', ['--release', '17', '-d', partial, '-cp', join(kafkaLib, '*'), source], { stdio: 'inherit' });
  });
}

/** The example job's jar, built by Maven once per source (keyed by its hash). */
export function buildJob() {
  const files = ['pom.xml', ...readdirSync(join(JOB, 'src'), { recursive: true }).map((f) => join('src', f)).filter((f) => f.endsWith('.java'))].sort();
  const hash = createHash('sha256');
  for (const f of files) hash.update(f).update(readFileSync(join(JOB, f)));
  const pom = readFileSync(join(JOB, 'pom.xml'), 'utf8');
  const [artifact, version] = ['artifactId', 'version'].map((t) => new RegExp(`<${t}>([^<]+)</${t}>`).exec(pom.replace(/<parent>[\s\S]*?<\/parent>|<dependencies>[\s\S]*<\/dependencies>|<build>[\s\S]*<\/build>/g, ''))[1]);
  // Built in a copy of its sources: two broken runs at once may build it together, and the
  // repository's target/ is npm run publish-job's.
  const folder = cachedFolder(join(cache, 'e2e', 'jobs', hash.digest('hex').slice(0, 16)), (partial) => {
    console.log('building jobs/orders-enricher with Maven...');
    const copy = mkdtempSync(join(tmpdir(), 'orders-enricher-'));
    try {
      for (const f of ['pom.xml', 'src']) cpSync(join(JOB, f), join(copy, f), { recursive: true });
      execFileSync('mvn', ['-q', '-B', '-f', join(copy, 'pom.xml'), 'package'], { stdio: 'inherit' });
      copyFileSync(join(copy, 'target', `${artifact}-${version}.jar`), join(partial, `${artifact}-${version}.jar`));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
  const jar = join(folder, `${artifact}-${version}.jar`);
  return { jar, artifact, version };
}

/** Everything above, for scripts/prefetch.mjs. */
export async function prepareAll() {
  inOrderLauncher(kafkaJars());
  connectPluginJars();
  flinkJars();
  await flinkReporterJar();
  jmxExporterAgent();
  buildJob();
}
