// Loopback stand-ins for the two Azure endpoints a pod's workload identity talks to, checking
// every request: the Entra ID token endpoint (client credentials with the federated token as the
// client assertion) and the Blob endpoint of a storage account (a GET with the issued token and
// an x-ms-version). curl reaches the blob stand-in through a .curlrc (CURL_HOME) that connects
// <account>.blob.core.windows.net:443 to it and trusts its certificate, made here for that name:
// the command under test runs unchanged.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { join } from 'node:path';

const body = (req) =>
  new Promise((done) => {
    let text = '';
    req.on('data', (d) => (text += d)).on('end', () => done(text));
  });

/**
 * Starts both stand-ins in `dir`. `blobs` maps `/<container>/<path>` to content. `seen` lists each
 * request as `token ok`, `blob ok` or the problems found. `answerToken` may replace the token answer.
 */
export async function azureStandIns({ dir, account, tenantId, clientId, federatedToken, blobs }) {
  const host = `${account}.blob.core.windows.net`;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`, '-keyout', join(dir, 'blob-key.pem'), '-out', join(dir, 'blob-cert.pem')], { stdio: 'ignore' });
  const tokenFile = join(dir, 'federated-token');
  writeFileSync(tokenFile, federatedToken);
  const accessToken = `storage-token-${Date.now()}`;
  const state = {
    seen: [],
    answerToken: (res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: accessToken })),
  };
  const token = createHttp(async (req, res) => {
    const form = new URLSearchParams(await body(req));
    const problems = [
      req.method === 'POST' && req.url === `/${tenantId}/oauth2/v2.0/token` ? '' : `${req.method} ${req.url}`,
      form.get('grant_type') === 'client_credentials' ? '' : 'grant_type',
      form.get('client_id') === clientId ? '' : 'client_id',
      form.get('scope') === 'https://storage.azure.com/.default' ? '' : 'scope',
      form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' ? '' : 'client_assertion_type',
      form.get('client_assertion') === federatedToken ? '' : 'client_assertion',
    ].filter(Boolean);
    state.seen.push(`token ${problems.join(', ') || 'ok'}`);
    if (problems.length) res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'invalid_request', problems }));
    else state.answerToken(res);
  });
  const blob = createHttps({ key: readFileSync(join(dir, 'blob-key.pem')), cert: readFileSync(join(dir, 'blob-cert.pem')) }, (req, res) => {
    const problems = [
      req.method === 'GET' && blobs[req.url] ? '' : `${req.method} ${req.url} (serving ${Object.keys(blobs).join(', ')})`,
      req.headers.host === host ? '' : `host ${req.headers.host}`,
      req.headers.authorization === `Bearer ${accessToken}` ? '' : `authorization ${req.headers.authorization}`,
      req.headers['x-ms-version'] ? '' : 'no x-ms-version',
    ].filter(Boolean);
    state.seen.push(`blob ${problems.join(', ') || 'ok'}`);
    if (problems.length) res.writeHead(403).end();
    else res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(blobs[req.url]);
  });
  await Promise.all([token, blob].map((s) => new Promise((done) => s.listen(0, '127.0.0.1', done))));
  writeFileSync(join(dir, '.curlrc'), `connect-to = "${host}:443:127.0.0.1:${blob.address().port}"\ncacert = "${join(dir, 'blob-cert.pem')}"\n`);
  return {
    state,
    /** The variables the workload identity webhook injects, pointing at the stand-ins, and CURL_HOME. */
    env: { CURL_HOME: dir, AZURE_AUTHORITY_HOST: `http://127.0.0.1:${token.address().port}/`, AZURE_TENANT_ID: tenantId, AZURE_CLIENT_ID: clientId, AZURE_FEDERATED_TOKEN_FILE: tokenFile },
    /** What moves, for printing. */
    moves: [`AZURE_AUTHORITY_HOST https://login.microsoftonline.com/ -> http://127.0.0.1:${token.address().port}/`, `curl: ${host}:443 -> 127.0.0.1:${blob.address().port} (.curlrc connect-to, its own certificate)`],
    close: () => Promise.all([token, blob].map((s) => new Promise((done) => s.close(done)))),
  };
}
