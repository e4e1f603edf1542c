// A loopback stand-in for the Kubernetes API, as far as Strimzi's Kubernetes Secret config
// provider uses it: `GET /api/v1/namespaces/<namespace>/secrets/<name>` with the service
// account's bearer token. It serves the Secrets the ExternalSecrets of dist/ would create, and
// authorizes every request the way RBAC would with the Roles and RoleBindings of dist/: the
// token names a service account; a RoleBinding in the namespace must bind it to a Role with a
// rule for `get` on that Secret. Anything else gets the API server's 401, 403 or 404 Status,
// and every request is recorded, so the run can fail on any refusal.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const SECRET_PATH = /^\/api\/v1\/namespaces\/([a-z0-9.-]+)\/secrets\/([a-z0-9.-]+)$/;

/** Whether `rule` (a Role rule) allows `verb` on the core-group Secret `name`. */
const allows = (rule, verb, name) =>
  rule.apiGroups?.some((g) => g === '' || g === '*') &&
  rule.resources?.some((r) => r === 'secrets' || r === '*') &&
  rule.verbs?.some((v) => v === verb || v === '*') &&
  (!rule.resourceNames?.length || rule.resourceNames.includes(name));

/**
 * Starts the stand-in on `port`. `rbac`: the Role and RoleBinding objects of dist/;
 * `serviceAccount`: `{ namespace, name }` the token stands for; `secrets`: `{ '<ns>/<name>': { key: value } }`.
 */
export async function kubernetesApi({ port, rbac, serviceAccount, secrets }) {
  const token = randomBytes(24).toString('hex');
  const requests = [];
  const status = (code, reason, message) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

  const authorize = (namespace, name) => {
    const roles = rbac.filter((o) => o.kind === 'Role' && o.metadata.namespace === namespace);
    return rbac
      .filter((o) => o.kind === 'RoleBinding' && o.metadata.namespace === namespace && o.roleRef.kind === 'Role')
      .filter((b) => b.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === serviceAccount.name && (s.namespace ?? namespace) === serviceAccount.namespace))
      .some((b) => roles.find((r) => r.metadata.name === b.roleRef.name)?.rules?.some((rule) => allows(rule, 'get', name)));
  };

  const answer = (request) => {
    const path = new URL(request.url, 'http://stand-in').pathname;
    const user = `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`;
    if (request.headers.authorization !== `Bearer ${token}`) return [401, status(401, 'Unauthorized', 'Unauthorized')];
    const match = SECRET_PATH.exec(path);
    if (request.method !== 'GET' || !match) return [403, status(403, 'Forbidden', `${user} cannot ${request.method} ${path}: only a get of a Secret is served here`)];
    const [, namespace, name] = match;
    if (!authorize(namespace, name)) return [403, status(403, 'Forbidden', `secrets "${name}" is forbidden: User "${user}" cannot get resource "secrets" in API group "" in the namespace "${namespace}"`)];
    const data = secrets[`${namespace}/${name}`];
    if (!data) return [404, status(404, 'NotFound', `secrets "${name}" not found`)];
    const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    return [200, { kind: 'Secret', apiVersion: 'v1', metadata: { name, namespace }, type: 'Opaque', data: encoded }];
  };

  const server = createServer((request, response) => {
    request.resume();
    const [code, body] = answer(request);
    requests.push({ at: Date.now(), method: request.method, path: request.url, code });
    response.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise((done) => server.listen(port, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    secrets,
    /** Changes one key of a Secret, as External Secrets Operator does after the Key Vault secret changes. */
    update: (secret, key, value) => (secrets[secret][key] = value),
    close: () =>
      new Promise((done) => {
        server.close(done);
        server.closeAllConnections();
      }),
  };
}
