// npm run publish-job -- <env> <job folder>: builds a Flink job with Maven and uploads its jar to
// the environment's `flink-jobs` container with the Azure CLI, signed in with Entra ID (no key,
// no SAS), under a versioned path <artifactId>/<version>/<artifactId>-<version>.jar. A published
// version is never replaced: the upload refuses an existing name, so a new build is a new version.
// The signed-in user needs Storage Blob Data Contributor on flink-jobs (docs/flink.md).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const JOBS_CONTAINER = 'flink-jobs';

function fail(message) {
  console.error(`publish-job: ${message}`);
  process.exit(1);
}

/** Runs az and returns its standard output; fails with its message. */
function az(args) {
  const run = spawnSync('az', args, { encoding: 'utf8' });
  if (run.error) fail('the Azure CLI (az) is not on PATH: install it and `az login`');
  if (run.status !== 0) fail(`az ${args.slice(0, 3).join(' ')} failed: ${run.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return run.stdout;
}

/** artifactId and version of the project itself (not of its parent, dependencies or plugins). */
function coordinates(pom) {
  const own = pom.replace(/<parent>[\s\S]*?<\/parent>|<dependencies>[\s\S]*<\/dependencies>|<build>[\s\S]*<\/build>|<!--[\s\S]*?-->/g, '');
  const [artifact, version] = ['artifactId', 'version'].map((tag) => new RegExp(`<${tag}>([^<$]+)</${tag}>`).exec(own)?.[1]);
  if (!artifact || !version) throw new Error('pom.xml must give the project its own artifactId and a literal version');
  if (/SNAPSHOT/i.test(version)) throw new Error(`version ${version} is a snapshot: publish only released versions, which are never replaced`);
  return { artifact, version };
}

const [env, folder] = process.argv.slice(2);
if (!env || !folder) fail('usage: npm run publish-job -- <env> <job folder>, e.g. npm run publish-job -- dev jobs/orders-enricher');
const outputsFile = join(root, 'environments', `${env}.azure.json`);
if (!existsSync(outputsFile)) fail(`${relative(root, outputsFile)} is missing: deploy the environment first (npm run deploy -- ${env})`);
const outputs = JSON.parse(readFileSync(outputsFile, 'utf8'));
const pomFile = join(resolve(folder), 'pom.xml');
if (!existsSync(pomFile)) fail(`${folder}: no pom.xml`);
let job;
try {
  job = coordinates(readFileSync(pomFile, 'utf8'));
} catch (error) {
  fail(`${relative(root, pomFile)}: ${error.message}`);
}
const blob = `${job.artifact}/${job.version}/${job.artifact}-${job.version}.jar`;
const storage = ['--auth-mode', 'login', '--account-name', outputs.storageAccountName, '--container-name', JOBS_CONTAINER, '--name', blob];

const account = JSON.parse(az(['account', 'show', '--output', 'json']));
if (account.tenantId !== outputs.tenantId) fail(`az is signed in to tenant ${account.tenantId}, but ${env} lives in ${outputs.tenantId}: az login --tenant ${outputs.tenantId}`);
if (JSON.parse(az(['storage', 'blob', 'exists', ...storage, '--output', 'json'])).exists) {
  fail(`${JOBS_CONTAINER}/${blob} is already published in ${outputs.storageAccountName}; a published version is never replaced: raise the version in ${relative(root, pomFile)}`);
}
console.log(`building ${relative(root, resolve(folder)) || folder} with Maven...`);
execFileSync('mvn', ['-q', '-B', '-f', pomFile, 'clean', 'package'], { stdio: 'inherit' });
const jar = join(resolve(folder), 'target', `${job.artifact}-${job.version}.jar`);
if (!existsSync(jar)) fail(`Maven built no ${relative(root, jar)}`);
// --overwrite false: should the name appear between the check and the upload, Azure refuses it.
az(['storage', 'blob', 'upload', ...storage, '--file', jar, '--overwrite', 'false', '--only-show-errors', '--output', 'none']);
console.log(`published ${JOBS_CONTAINER}/${blob} to ${outputs.storageAccountName}`);
console.log(`next: set jar: '${blob}' for the application in environments/${env}.ts, npm run synth, commit`);
