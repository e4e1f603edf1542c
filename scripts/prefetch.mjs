// What the real-program checks and the e2e download on a cold machine, fetched in the background
// of npm test's set-up and first checks (scripts/test.sh starts it): Maven's downloads are hundreds
// of requests one after another, mostly waiting on the network, and overlap the CPU-bound checks
// instead of adding to them. Each group runs under its lane's lock (.build/prefetch-<group>.lock),
// which scripts/checks.mjs waits for before it starts a check of that lane. Node built-ins only:
// it starts before npm ci. A failure here only prints: the check that needs the download then
// fetches it itself and fails with its own message.
//   node scripts/prefetch.mjs maven|trino
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cache, ICEBERG_REST_SERVER, mavenArtifact, modernJava, root, trinoServer } from '../test/lib/programs.mjs';

const began = Date.now();
const done = (what) => console.log(`prefetch: ${what} in ${((Date.now() - began) / 1000).toFixed(1)} s`);

/**
 * Every pom of the repository (checks, e2e, images, jobs) resolved in one Maven reactor, so Maven
 * starts once. Recorded by the poms' content: a second run with the same poms does nothing.
 */
function resolvePoms() {
  const poms = execFileSync('git', ['ls-files', '*pom.xml'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean).sort();
  const key = createHash('sha256');
  for (const pom of poms) key.update(`${pom}\0${readFileSync(join(root, pom))}\0`);
  const stamp = join(cache, 'maven-prefetched', key.digest('hex').slice(0, 16));
  if (existsSync(stamp)) return done(`the ${poms.length} poms were resolved before`);
  const dir = join(root, '.build', 'prefetch');
  mkdirSync(dir, { recursive: true });
  const modules = poms.map((pom) => `    <module>${relative(dir, join(root, pom, '..'))}</module>`).join('\n');
  writeFileSync(
    join(dir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>local.prefetch</groupId>\n  <artifactId>prefetch</artifactId>\n  <version>0</version>\n  <packaging>pom</packaging>\n  <modules>\n${modules}\n  </modules>\n</project>\n`,
  );
  execFileSync('mvn', ['-q', '-B', '-f', join(dir, 'pom.xml'), 'dependency:resolve'], { stdio: ['ignore', 'inherit', 'inherit'] });
  mkdirSync(join(cache, 'maven-prefetched'), { recursive: true });
  writeFileSync(stamp, `${poms.join('\n')}\n`);
  done(`the dependencies of ${poms.length} poms resolved`);
}

/**
 * Maven's downloads, then what the e2e builds from them into the cache (test/e2e/tools.mjs: its
 * jars, the JMX agent, the example job), still under this lane's lock: on a cold machine that is
 * five Maven runs (about 20 s) a first `npm run e2e` would otherwise wait for.
 */
async function maven() {
  resolvePoms();
  const { prepareAll } = await import('../test/e2e/tools.mjs');
  await prepareAll();
  done("the e2e's jars and builds ready");
}

/** The Trino server of the committed dev environment, the catalog stand-in, and the Java runtime Trino needs. */
async function trino() {
  const deployment = join(root, 'dist', 'dev', 'trino', 'deployment-trino-coordinator.yaml');
  // The image's tag, as test/trino/boot.mjs reads it (without a YAML parser: npm ci may still run).
  const version = existsSync(deployment) && /^\s+image: \S+\/trino:([\w.-]+)/m.exec(readFileSync(deployment, 'utf8'))?.[1];
  if (version) await trinoServer(version);
  await mavenArtifact(ICEBERG_REST_SERVER, 'about 210 MB');
  modernJava();
  done(`Trino ${version || '(no dist/dev/trino/: not fetched)'}, the catalog server and a Java runtime ready`);
}

const groups = { maven, trino };
const group = process.argv[2];
if (!groups[group]) {
  console.error(`usage: node scripts/prefetch.mjs ${Object.keys(groups).join('|')}`);
  process.exit(2);
}
try {
  await groups[group]();
} catch (error) {
  console.log(`prefetch: ${group} failed (${error.message.split('\n')[0]}); the checks fetch what they need themselves`);
  process.exit(1);
}
