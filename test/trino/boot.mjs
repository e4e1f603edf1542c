// An environment's Trino nodes as synth generated them (dist/<env>/trino/configmap-trino-{coordinator,worker}.yaml),
// a coordinator and a worker, staged for this machine, and the checks of their boot (run by
// test/trino/check.mjs, which boots each environment once for every check that needs Trino):
//   - both start: Trino refuses unknown or misspelt properties, bad enum values and bad access rules;
//   - the worker joins the coordinator and runs the tasks of a write and a read;
//   - prod: a password is required, and the roles of environments/prod.ts mean what they say: a
//     reader reads but cannot write, a writer writes but cannot create schemas, a user in no role
//     can run nothing (the generated rules.json, enforced by Trino);
//   - the worker's generated preStop command drains it (test/trino/drain.mjs);
//   - the check can fail: a misspelt catalog key stops Trino at startup.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { describeMoves, freePort, parseProperties, Program, ProgramError, stageTrino, writeProperties } from '../lib/programs.mjs';
import { keepTrinoAot, trinoAot } from '../lib/trino-aot.mjs';
import { drainCheck } from './drain.mjs';
import { holdQuery, query, untilScheduled, waitFor } from './queries.mjs';

export const objectOf = (dist, env, kind, name) => YAML.parse(readFileSync(join(dist, env, 'trino', `${kind}-${name}.yaml`), 'utf8'));
export const versionOf = (dist, env) => objectOf(dist, env, 'deployment', 'trino-coordinator').spec.template.spec.containers[0].image.split(/[:@]/)[1];
// The JIT's fast tier only: these JVMs live about a minute and run small queries, where the
// optimizing compiler's work costs more CPU than it saves (measured: half the CPU of this check).
// It changes how fast Trino runs, not what it accepts or does.
const jvm = { '-XX:TieredStopAtLevel=1': 'the JIT fast tier only, for a short run' };
const secrets = { TRINO_INTERNAL_SHARED_SECRET: randomBytes(32).toString('hex'), POLARIS_CLIENT_ID: 'boot-test', POLARIS_CLIENT_SECRET: randomBytes(16).toString('hex') };

const startProgram = (name, javaBin, staged, hostname) => new Program(name, javaBin, staged.args, { cwd: staged.dir, env: { ...secrets, HOSTNAME: hostname }, logFile: join(staged.dir, 'server.log') });

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

/**
 * Iceberg's REST catalog server, standing in for Polaris, started: `base` is its URL at once,
 * `ready` settles once it answers (nodes may be staged meanwhile). `programs` collects it for the
 * final stop.
 */
export async function startCatalog(jar, work, programs) {
  const port = await freePort();
  const catalog = new Program('catalog', 'java', ['-Xmx256m', '-jar', jar], {
    cwd: work,
    env: { CATALOG_WAREHOUSE: `file://${join(work, 'warehouse')}`, CATALOG_REST_PORT: String(port), CATALOG_URI: `jdbc:sqlite:${join(work, 'catalog.db')}` },
    logFile: join(work, 'catalog.log'),
  });
  programs.push(catalog);
  const base = `http://127.0.0.1:${port}`;
  const ready = waitFor('the Iceberg REST catalog stand-in', 60000, async () => ((await fetch(`${base}/v1/config`).catch(() => undefined))?.ok ? true : undefined));
  ready.catch(() => {});
  return { base, ready };
}

/** The canary: a misspelt catalog key must stop Trino at startup (it needs no catalog). */
export async function misspeltCheck({ check, dist, env, javaBin, home, programs }) {
  const files = objectOf(dist, env, 'configmap', 'trino-coordinator').data;
  const staged = await stageTrino(`${env}-misspelt`, files, home, { jvm: { ...jvm, ...trinoAot(home) }, catalog: (c) => c.replace('iceberg.rest-catalog.warehouse=', 'iceberg.rest-catalog.warehous=') });
  const server = startProgram(`${env} misspelt`, javaBin, staged, 'trino-misspelt');
  programs.push(server);
  try {
    const code = await Promise.race([server.exited, new Promise((done) => setTimeout(() => done('timeout'), 180000))]);
    check(`${env}: a misspelt catalog key stops Trino at startup`, code !== 'timeout' && code !== 0 && server.log().includes("Configuration property 'iceberg.rest-catalog.warehous' was not used"), `exit ${code}`);
  } finally {
    await server.stop();
    rmSync(staged.dir, { recursive: true, force: true });
  }
}

/**
 * Stages and starts `env`'s coordinator and worker (not waiting for them). The password file
 * holds the users of the roles of environments/<env>.ts, a user in no role and `extraUsers`. The
 * coordinator `writesAot` when the AOT cache is missing (test/lib/trino-aot.mjs): it runs the
 * most kinds of statements.
 */
export async function startEnvironment({ dist, env, javaBin, home, catalogBase, intent, extraUsers = [], writesAot = false }) {
  const coordinatorFiles = objectOf(dist, env, 'configmap', 'trino-coordinator').data;
  const workerFiles = objectOf(dist, env, 'configmap', 'trino-worker').data;
  const access = intent[env]?.access;
  const roles = access ? { admin: access.administrators[0], writer: access.writers[0], reader: access.readers[0] } : {};
  const users = [...new Set([...Object.values(roles).filter(Boolean), 'outsider', ...extraUsers])];
  const aot = trinoAot(home, { writes: writesAot });
  const coordinator = await stageTrino(`${env}-coordinator`, coordinatorFiles, home, {
    jvm: { ...jvm, ...aot },
    catalog: loopbackCatalog(catalogBase),
    withWorkers: true,
    users,
    // Trino 476's failure detector holds a node it has just seen back for its warm-up (5 s by
    // default): without it the first query waited 5 to 6 s less for the worker (measured).
    config: {
      'failure-detector.warmup-interval': ['0s', 'the worker is scheduled on once the coordinator sees it, not 5 s later'],
      'exchange.max-buffer-size': ['1MB', "the drain's held query fills it with less"],
    },
  });
  // Workers never call the catalog (only the coordinator plans and commits): the worker's catalog
  // points at a port nobody listens on, and every query below still runs its tasks there.
  const closed = `http://127.0.0.1:${await freePort()}`;
  const worker = await stageTrino(`${env}-worker`, workerFiles, home, {
    jvm: { ...jvm, ...trinoAot(home) },
    catalog: loopbackCatalog(closed),
    coordinatorUri: `http://127.0.0.1:${coordinator.http}`,
    config: { 'shutdown.grace-period': ['1s', 'the drain waits twice this'], 'sink.max-buffer-size': ['1MB', "the drain's held query fills it with less"] },
  });
  console.log(`${env} coordinator, moved for this machine: ${describeMoves(coordinator.moves)}`);
  console.log(`${env} worker, moved for this machine: ${describeMoves(worker.moves)}`);
  console.log(`${env} catalog file: iceberg.rest-catalog.uri and oauth2.server-uri -> ${catalogBase} (the stand-in) on the coordinator, ${closed} (a closed port) on the worker, which has no credentials; fs.native-azure -> fs.native-local`);
  const secured = coordinatorFiles['password-authenticator.properties'] !== undefined;
  const base = secured ? `https://127.0.0.1:${coordinator.https}` : `http://127.0.0.1:${coordinator.http}`;
  const began = Date.now();
  const workerId = `trino-${env}-worker`;
  return {
    env,
    home,
    javaBin,
    writesAot: Object.keys(aot).some((o) => o.startsWith('-XX:AOTCacheOutput')),
    version: versionOf(dist, env),
    access,
    roles,
    secured,
    base,
    began,
    workerId,
    nodes: {
      coordinator: { role: 'coordinator', files: coordinatorFiles, staged: coordinator, program: startProgram(`${env} coordinator`, javaBin, coordinator, `trino-${env}-coordinator`) },
      worker: { role: 'worker', files: workerFiles, staged: worker, program: startProgram(`${env} worker`, javaBin, worker, workerId) },
    },
    as: (user) => (sql) => untilScheduled(env, sql, () => query(base, sql, user, secured ? coordinator.password : undefined)),
  };
}

/** Waits for both nodes; false (with a FAIL line) when one did not start. */
export async function startedCheck(check, trino) {
  const { coordinator, worker } = trino.nodes;
  try {
    await Promise.all([started(coordinator.program), started(worker.program)]);
    return check(`${trino.env}: Trino ${trino.version} coordinator and worker start with the generated files (${Object.keys(worker.files).length} and ${Object.keys(coordinator.files).length})`, true, `both up ${((Date.now() - trino.began) / 1000).toFixed(1)} s after the start`);
  } catch (error) {
    return check(`${trino.env}: Trino ${trino.version} coordinator and worker start with the generated files`, false, error.message);
  }
}

/** Sign-in, the worker joining, and what each role may do (dev: anyone anything). */
export async function bootChecks(check, trino) {
  const { env, roles, secured, base, workerId } = trino;
  const admin = trino.as(roles.admin ?? 'tester');
  if (secured) {
    const anonymous = await fetch(`${base}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'X-Trino-User': roles.admin } });
    check(`${env}: refuses a query without a password`, anonymous.status === 401, `HTTP ${anonymous.status}`);
  }
  const nodes = await waitFor('the worker to join', 60000, async () => {
    const r = await admin("SELECT node_id FROM system.runtime.nodes WHERE NOT coordinator AND state = 'active'");
    if (!r.rows.flat().includes(workerId)) return undefined;
    // Active is not yet schedulable (untilScheduled, queries.mjs): SELECT 1 runs on a worker when
    // the coordinator takes no tasks.
    await admin('SELECT 1');
    return r.rows.flat();
  }).catch((e) => e.message);
  check(`${env}: the worker joins the coordinator`, Array.isArray(nodes), JSON.stringify(nodes));

  const schema = `lakehouse.boot_${env}`;
  if (!trino.access) {
    // dev, as documented: no sign-in, anyone may read and write.
    const steps = [`CREATE SCHEMA ${schema}`, `CREATE TABLE ${schema}.t (id integer)`, `INSERT INTO ${schema}.t VALUES 1, 2, 3`, `DELETE FROM ${schema}.t WHERE id = 3`];
    for (const sql of steps) await admin(sql);
    const read = await admin(`SELECT id FROM ${schema}.t ORDER BY id`);
    check(`${env}: without access control, any user creates a table, writes, deletes and reads it, the tasks on the worker`, JSON.stringify(read.rows) === '[[1],[2]]', JSON.stringify(read.rows));
  } else {
    await roleChecks(env, schema, roles, trino.as, check);
  }
}

/** The worker's generated preStop command, run against it while a query's task is held open there; `started()` as it starts. */
export function drain(check, dist, trino, started = () => {}) {
  const { coordinator, worker } = trino.nodes;
  return drainCheck({
    env: trino.env,
    check,
    worker: worker.program,
    generatedPort: parseProperties(worker.files['config.properties'])['http-server.http.port'],
    workerPort: worker.staged.http,
    deployment: objectOf(dist, trino.env, 'deployment', 'trino-worker'),
    holdQuery: () => untilScheduled(trino.env, 'the held query', () => holdQuery(trino.base, trino.roles.admin ?? 'tester', trino.secured ? coordinator.staged.password : undefined)),
    started,
  });
}

/** Stops the nodes; the one that writes the AOT cache is given the time to, when the run `passed`. */
export async function stopEnvironment(trino, { passed = false } = {}) {
  const { coordinator } = trino.nodes;
  // The cache is written as the JVM exits: about 13 s alone, longer under load.
  const grace = (node) => (node === coordinator && trino.writesAot && passed ? 180000 : undefined);
  await Promise.all(Object.values(trino.nodes).map((node) => node.program.stop(grace(node))));
  if (trino.writesAot) {
    console.log(`  ${trino.env} coordinator: the AOT cache ${keepTrinoAot(trino.home, trino.javaBin, { passed, jvmArgs: coordinator.staged.jvmOptions })}`);
  }
  for (const node of Object.values(trino.nodes)) rmSync(node.staged.dir, { recursive: true, force: true });
}

/** The roles of environments/<env>.ts against the generated rules, enforced by the real Trino. */
async function roleChecks(env, schema, roles, as, check) {
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
