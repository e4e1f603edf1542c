// The application's init container command, run by the real bash and curl against loopback
// stand-ins for the Entra ID token endpoint and the Blob endpoint that check every request. Only
// where curl connects moves: a .curlrc (CURL_HOME) sends <account>.blob.core.windows.net:443 to
// the stand-in and trusts its certificate, made here for that host name.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttp, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { find, readCommittedOutputs, synthOne } from './helpers';

const env = 'dev';
const result = synthOne(env);
const app = find(result, 'FlinkDeployment', 'flink-orders', 'flink');
const init = app.spec.jobManager.podTemplate.spec.initContainers[0];
const jarLocation: string = init.env.find((e: any) => e.name === 'JAR_LOCATION').value;
const account = (readCommittedOutputs(env) as any).storageAccountName;
const TENANT = '11111111-2222-4333-8444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const JAR = Buffer.from('PK\u0003\u0004 a job jar');

let dir: string;
const seen: string[] = [];
let tokenAnswer: (res: ServerResponse) => void;
const servers: { close(): void }[] = [];
let tokenPort: number;
let blobPort: number;

const body = (req: IncomingMessage) => new Promise<string>((done) => {
  let text = '';
  req.on('data', (d) => (text += d)).on('end', () => done(text));
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fetch-jar-'));
  const host = `${account}.blob.core.windows.net`;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  writeFileSync(join(dir, 'token'), 'federated-token-from-the-kubelet');
  const token = createHttp(async (req, res) => {
    const form = new URLSearchParams(await body(req));
    const problems = [
      req.method === 'POST' && req.url === `/${TENANT}/oauth2/v2.0/token` ? '' : `${req.method} ${req.url}`,
      form.get('grant_type') === 'client_credentials' ? '' : 'grant_type',
      form.get('client_id') === CLIENT ? '' : 'client_id',
      form.get('scope') === 'https://storage.azure.com/.default' ? '' : 'scope',
      form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' ? '' : 'client_assertion_type',
      form.get('client_assertion') === 'federated-token-from-the-kubelet' ? '' : 'client_assertion',
    ].filter(Boolean);
    seen.push(`token ${problems.join(',') || 'ok'}`);
    if (problems.length) return res.writeHead(400).end(JSON.stringify({ error: 'invalid_request', problems }));
    tokenAnswer(res);
  });
  const blob = createHttps({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    const wanted = `/${jarLocation.replace(/^abfss:\/\/([^@]+)@[^/]+\//, '$1/')}`;
    const problems = [
      req.method === 'GET' && req.url === wanted ? '' : `${req.method} ${req.url} (wanted ${wanted})`,
      req.headers.host === host ? '' : `host ${req.headers.host}`,
      req.headers.authorization === 'Bearer storage-token' ? '' : `authorization ${req.headers.authorization}`,
      req.headers['x-ms-version'] ? '' : 'x-ms-version',
    ].filter(Boolean);
    seen.push(`blob ${problems.join(',') || 'ok'}`);
    if (problems.length) return res.writeHead(403).end();
    res.writeHead(200, { 'Content-Type': 'application/java-archive' }).end(JAR);
  });
  await Promise.all([token, blob].map((s) => new Promise<void>((done) => s.listen(0, '127.0.0.1', done))));
  servers.push(token, blob);
  tokenPort = (token.address() as AddressInfo).port;
  blobPort = (blob.address() as AddressInfo).port;
  writeFileSync(join(dir, '.curlrc'), `connect-to = "${host}:443:127.0.0.1:${blobPort}"\ncacert = "${join(dir, 'cert.pem')}"\n`);
});
afterAll(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function runScript(): Promise<{ code: number | null; output: string }> {
  const jarFile = join(dir, 'job.jar');
  rmSync(jarFile, { force: true });
  const vars = { ...process.env, CURL_HOME: dir, AZURE_AUTHORITY_HOST: `http://127.0.0.1:${tokenPort}/`, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, AZURE_FEDERATED_TOKEN_FILE: join(dir, 'token'), JAR_LOCATION: jarLocation, JAR_FILE: jarFile };
  return new Promise((done) => {
    const child = spawn(init.command[0], init.command.slice(1), { env: vars });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => done({ code, output }));
  });
}

describe('the jar fetch of the generated init container', () => {
  it('exchanges the federated token and downloads the jar from its versioned path', async () => {
    seen.length = 0;
    tokenAnswer = (res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: 'storage-token' }));
    const { code, output } = await runScript();
    expect(seen).toEqual(['token ok', 'blob ok']);
    expect(code, output).toBe(0);
    expect(readFileSync(join(dir, 'job.jar'))).toEqual(JAR);
  });

  it.each([
    ['the token endpoint refuses', (res: ServerResponse) => res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"invalid_client"}')],
    ['the token answer has no access_token', (res: ServerResponse) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"error":"nothing"}')],
  ])('stops before the download when %s', async (_, answer) => {
    seen.length = 0;
    tokenAnswer = answer;
    const { code } = await runScript();
    expect(code).not.toBe(0);
    expect(seen).toEqual(['token ok']);
  });
});
