// The client-credentials check the Iceberg REST catalog stand-in lacks (it issues a token to any
// client): a loopback proxy in front of it that grants a client_credentials token only for the
// consumer's client ID with a secret Polaris would accept, and forwards every other request. It
// keeps Polaris 1.7.0's rotation rule: after `rotate`, the new secret is the main one and the
// previous stays valid as the secondary until the next rotation. Every token request is recorded
// with the secret it presented (by name, never its value).
import { createServer, request as forward } from 'node:http';

const TOKEN_PATH = '/v1/oauth/tokens';

/** Starts the proxy on `port` in front of `upstream` (http://host:port), for `clientId` and its first `secret`. */
export async function catalogCredentials({ port, upstream, clientId, secret }) {
  const names = new Map([[secret, 'the first secret']]);
  let accepted = [secret];
  const tokenRequests = [];
  const target = new URL(upstream);

  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      if (request.method === 'POST' && new URL(request.url, upstream).pathname === TOKEN_PATH) {
        const form = new URLSearchParams(body.toString('utf8'));
        if (form.get('grant_type') === 'client_credentials') {
          const presented = form.get('client_secret');
          const ok = form.get('client_id') === clientId && accepted.includes(presented);
          tokenRequests.push({ at: Date.now(), secret: names.get(presented) ?? 'an unknown secret', ok });
          if (!ok) {
            response.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client', error_description: 'Bad client credentials' }));
            return;
          }
        }
      }
      const upstreamRequest = forward({ host: target.hostname, port: target.port, method: request.method, path: request.url, headers: { ...request.headers, host: target.host } }, (answer) => {
        response.writeHead(answer.statusCode, answer.headers);
        answer.pipe(response);
      });
      upstreamRequest.on('error', (error) => response.writeHead(502).end(String(error)));
      upstreamRequest.end(body);
    });
  });
  await new Promise((done) => server.listen(port, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${port}`,
    tokenRequests,
    /** Polaris's rotate: `next` becomes the main secret, the current main one the secondary. */
    rotate(next, name) {
      names.set(next, name);
      accepted = [next, accepted[0]];
    },
    close: () =>
      new Promise((done) => {
        server.close(done);
        server.closeAllConnections();
      }),
  };
}
