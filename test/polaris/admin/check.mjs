// The Polaris admin tool cannot run here (no distribution on Maven Central), so its inputs from
// dist/<env>/polaris/ are checked against its own definitions: the bootstrap Job's arguments are
// parsed by picocli 4.7.7 with the option model pinned from apache-polaris-1.7.0
// (pinned/polaris/admin-tool-1.7.0-bootstrap.json), the credentials file the ExternalSecret renders
// is read by the real polaris-core 1.7.0 RootCredentialsSet, and the catalog the creator makes is
// checked against the real FeatureConfiguration. The old arguments must fail.
//
//   node test/polaris/admin/check.mjs [dist dir]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { cache, mavenArtifact, modernJava, need, parseProperties, ProgramError, resolveJars, root } from '../../lib/programs.mjs';

const here = import.meta.dirname;
const dist = resolve(process.argv[2] ?? join(root, 'dist'));
const model = join(root, 'pinned', 'polaris', 'admin-tool-1.7.0-bootstrap.json');
/** FeatureConfiguration flags the catalog must enable (Trino 476 drops tables with purge). */
const REQUIRED_FEATURES = ['DROP_WITH_PURGE_ENABLED'];

/** What ESO renders from a template: `{{ .key }}` replaced by the secret's value (here a test value). */
const renderTemplate = (text) => text.replace(/\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}/g, (_, key) => `test-${key}`);

async function main() {
  need('javac', 'install a JDK 17: apt-get install openjdk-17-jdk-headless');
  need('mvn', 'install Maven: apt-get install maven');
  const jars = resolveJars(join(here, 'pom.xml'), join(cache, 'polaris-admin'));
  const polaris = await Promise.all(['polaris-core'].map((a) => mavenArtifact(`org.apache.polaris:${a}:1.7.0`)));
  const envs = readdirSync(dist).filter((e) => existsSync(join(dist, e, 'polaris'))).sort();
  if (envs.length === 0) throw new ProgramError(`no dist/<env>/polaris/ in ${dist}`);
  const work = mkdtempSync(join(tmpdir(), 'polaris-admin-'));
  // Compiled into this run's folder, as the Connect check does: a shared classes folder lets
  // another worktree's check, compiled at the same time, run in this one's place.
  const classes = join(work, 'classes');
  const classpath = [join(jars, '*'), ...polaris].join(':');
  const standIns = ['StorageConfigInfo', 'AuthenticationParameters'].map((c) => join(here, 'model', 'org', 'apache', 'polaris', 'core', 'admin', 'model', `${c}.java`));
  const java = modernJava();
  const check = (...args) => spawnSync(java, ['-cp', `${classes}:${classpath}`, 'AdminToolCheck', ...args], { encoding: 'utf8' });

  let failed = false;
  const report = (ok, line, output = '') => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}${output && !ok ? `\n${output.trim()}` : ''}`);
    if (!ok) failed = true;
  };
  try {
    execFileSync('javac', ['--release', '17', '-nowarn', '-cp', classpath, '-d', classes, join(here, 'AdminToolCheck.java'), ...standIns], { stdio: 'inherit' });
    for (const env of envs) {
      const dir = join(dist, env, 'polaris');
      const objects = readdirSync(dir).flatMap((f) => YAML.parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS()));
      const find = (kind, name) => objects.find((o) => o?.kind === kind && o.metadata.name === name) ?? fail(`${env}: no ${kind} ${name} in dist/${env}/polaris/`);
      const job = find('Job', 'polaris-bootstrap');
      const pod = job.spec.template.spec;
      const container = pod.containers[0];
      const realm = parseProperties(find('ConfigMap', 'polaris').data['application.properties'])['polaris.realm-context.realms'];

      // The file the Job names must be the rendered ExternalSecret key, mounted where the args say.
      const fileArg = container.args[container.args.findIndex((a) => a === '--credentials-file' || a === '-f') + 1];
      const mount = container.volumeMounts.find((m) => fileArg?.startsWith(`${m.mountPath}/`));
      const volume = mount && pod.volumes.find((v) => v.name === mount.name);
      const secret = volume?.secret && find('ExternalSecret', volume.secret.secretName);
      const key = mount && fileArg.slice(mount.mountPath.length + 1);
      const template = secret?.spec.target.template?.data?.[key];
      if (!template) {
        report(false, `${env}: the bootstrap file ${fileArg} is not a key of a mounted ExternalSecret template`);
        continue;
      }
      const credentials = join(work, `${env}-credentials.yaml`);
      writeFileSync(credentials, renderTemplate(template));
      const result = check('bootstrap', model, credentials, realm, ...container.args);
      report(result.status === 0, `${env}: polaris-bootstrap ${container.args.join(' ')}`, result.stdout + result.stderr);

      const creator = JSON.parse(find('ConfigMap', 'polaris-catalog-creator').data['config.json']);
      const catalogFile = join(work, `${env}-catalog.json`);
      writeFileSync(catalogFile, JSON.stringify(creator.catalog));
      const catalog = check('catalog', catalogFile, ...REQUIRED_FEATURES);
      report(catalog.status === 0, `${env}: catalog ${creator.catalog.name} properties ${JSON.stringify(creator.catalog.properties)}`, catalog.stdout + catalog.stderr);
      if (catalog.status === 0) console.log(catalog.stdout.trimEnd().replace(/^/gm, '     '));

      // The check can fail: the arguments the Job had before (realm and file together) are a usage error.
      const old = check('bootstrap', model, credentials, realm, 'bootstrap', '--realm', realm, '--credentials-file', fileArg);
      report(old.status !== 0 && /mutually exclusive/.test(old.stdout), `${env}: the old arguments (--realm with --credentials-file) are refused as picocli refuses them`, old.stdout + old.stderr);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

function fail(message) {
  throw new ProgramError(message);
}

main().catch((error) => {
  if (!(error instanceof ProgramError)) throw error;
  console.error(`polaris admin check: ${error.message}`);
  process.exit(1);
});
