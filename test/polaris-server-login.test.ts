import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseYaml, root } from './helpers';

// The server-login Job of dist/dev/polaris, run with its own command, script and variables by
// the real psql against a real PostgreSQL (Debian's postgresql 15: `\getenv` is psql 15+; Azure
// runs 16). The administrator is made as Azure's is: CREATEROLE, owner of the database, not a
// superuser. A superuser only sets the stage.
const dist = join(root, 'dist', 'dev', 'polaris');
const job = parseYaml(readFileSync(join(dist, 'job-polaris-server-login.yaml'), 'utf8'));
const script = parseYaml(readFileSync(join(dist, 'configmap-polaris-server-login.yaml'), 'utf8')).data['server-login.sql'];
const container = job.spec.template.spec.containers[0];
const value = (name: string) => container.env.find((e: any) => e.name === name)?.value;

const dir = mkdtempSync(join(tmpdir(), 'lakehouse-pg-'));
const port = String(20000 + (process.pid % 20000));
// PostgreSQL refuses to run as root: then the server runs as nobody.
const asServer = (command: string[]) => (process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--', ...command] : command);
// Debian keeps the server programs (initdb, pg_ctl) beside the version, off the PATH.
const serverBin = !existsSync('/usr/lib/postgresql') ? undefined : readdirSync('/usr/lib/postgresql', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join('/usr/lib/postgresql', d.name, 'bin')).sort().pop();
function run(command: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const path = [process.env.PATH, serverBin].filter(Boolean).join(':');
  const r = spawnSync(command[0], command.slice(1), { encoding: 'utf8', env: { ...process.env, ...env, PATH: path } });
  if (r.error) throw new Error(`${command[0]}: ${r.error.message} (Debian: apt-get install postgresql)`);
  return r;
}
const connection = (user: string, password: string) => ({ PGHOST: dir, PGPORT: port, PGDATABASE: value('PGDATABASE'), PGUSER: user, PGPASSWORD: password });
const sql = (user: string, password: string, statement: string) => run(['psql', '--no-psqlrc', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', statement], connection(user, password));

/** The Job's container, here: its command with the script's path, its variables pointed at the local server. */
function runJob(adminPassword: string, serverPassword: string) {
  const command = container.command.map((a: string) => (a === '/script/server-login.sql' ? join(dir, 'server-login.sql') : a));
  return run(command, { ...connection(value('PGUSER'), adminPassword), POLARIS_SERVER_LOGIN: value('POLARIS_SERVER_LOGIN'), POLARIS_SERVER_PASSWORD: serverPassword });
}

// Started by the first test that needs it rather than in a hook: initdb waits on the CPU
// of a busy machine for several seconds, within a test's time but not a hook's.
let started = false;
function ensureCluster() {
  if (started) return;
  started = true;
  if (process.getuid?.() === 0) chownSync(dir, 65534, 65534);
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'server-login.sql'), script);
  writeFileSync(join(dir, 'pw'), 'super', { mode: 0o644 });
  const init = run(asServer(['initdb', '--no-sync', '--no-instructions', '-D', join(dir, 'data'), '-U', 'postgres', '-A', 'scram-sha-256', `--pwfile=${join(dir, 'pw')}`]));
  expect(init.status, init.stderr).toBe(0);
  const start = run(asServer(['pg_ctl', '-D', join(dir, 'data'), '-w', '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses='' -c fsync=off`, 'start']));
  expect(start.status, start.stderr).toBe(0);
  const stage = (statement: string) => run(['psql', '--no-psqlrc', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c', statement], { ...connection('postgres', 'super'), PGDATABASE: 'postgres' });
  expect(stage(`CREATE ROLE ${value('PGUSER')} LOGIN CREATEROLE PASSWORD 'admin'`).status).toBe(0);
  expect(stage(`CREATE DATABASE ${value('PGDATABASE')} OWNER ${value('PGUSER')}`).status).toBe(0);
}

afterAll(() => {
  if (started) run(asServer(['pg_ctl', '-D', join(dir, 'data'), '-m', 'immediate', 'stop']));
  rmSync(dir, { recursive: true, force: true });
});

describe('the Polaris server gets a login of its own (server-login Job, real psql and PostgreSQL)', () => {
  it('runs as the administrator with TLS verified, before the bootstrap', () => {
    expect(value('PGUSER')).toBe('polarisadmin');
    expect(value('POLARIS_SERVER_LOGIN')).toBe('polaris');
    expect(value('PGSSLMODE')).toBe('verify-full');
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
    expect(Number(job.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeLessThan(Number(parseYaml(readFileSync(join(dist, 'job-polaris-bootstrap.yaml'), 'utf8')).metadata.annotations['argocd.argoproj.io/sync-wave']));
    const server = parseYaml(readFileSync(join(dist, 'configmap-polaris.yaml'), 'utf8')).data['application.properties'];
    expect(server).toContain('quarkus.datasource.username=polaris\n');
  });

  it('reads and writes every row the bootstrap creates and nothing more; a second run changes nothing', () => {
    ensureCluster();
    // A table made before the Job ever ran (an environment bootstrapped as the administrator).
    expect(sql('polarisadmin', 'admin', 'CREATE SCHEMA earlier; CREATE TABLE earlier.t (v text)').status).toBe(0);
    const first = runJob('admin', "it's-new");
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    // What the bootstrap does, as the administrator, after the Job.
    expect(sql('polarisadmin', 'admin', 'CREATE SCHEMA polaris_schema; CREATE TABLE polaris_schema.entities (id bigserial PRIMARY KEY, name text)').status).toBe(0);
    const dml = sql('polaris', "it's-new", "INSERT INTO polaris_schema.entities (name) VALUES ('a'); UPDATE polaris_schema.entities SET name = 'b'; SELECT * FROM polaris_schema.entities; DELETE FROM polaris_schema.entities; INSERT INTO earlier.t VALUES ('x')");
    expect(dml.stderr).toBe('');
    expect(dml.status).toBe(0);
    for (const ddl of ['DROP TABLE polaris_schema.entities', 'CREATE TABLE polaris_schema.other (i int)', 'CREATE SCHEMA mine', 'CREATE ROLE someone', 'ALTER TABLE earlier.t ADD COLUMN w text']) {
      const denied = sql('polaris', "it's-new", ddl);
      expect(denied.status, ddl).not.toBe(0);
      expect(denied.stderr, ddl).toMatch(/permission denied|must be owner/);
    }
    const again = runJob('admin', "it's-new");
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
  });

  it('takes a new password from Key Vault on the next sync; the old one stops working', () => {
    ensureCluster();
    expect(runJob('admin', 'rotated-value').status).toBe(0);
    expect(sql('polaris', 'rotated-value', 'SELECT 1').status).toBe(0);
    expect(sql('polaris', "it's-new", 'SELECT 1').stderr).toMatch(/password authentication failed/);
  });

  it('fails, and says why, with a wrong administrator password', () => {
    ensureCluster();
    const r = runJob('wrong', 'x');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/password authentication failed for user "polarisadmin"/);
  });
});
