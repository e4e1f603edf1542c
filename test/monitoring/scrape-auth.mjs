// A PodMonitor endpoint's authentication, as the managed Prometheus add-on hands it to its scraper:
// the target allocator (prometheus-collector v7.1.1, prometheus-operator v0.92.0 inside) reads
// basicAuth.username and .password from Secrets in the PodMonitor's namespace and writes them into
// the scrape job as `basic_auth` (promcfg.go addBasicAuthToYaml: both keys must exist, an empty
// value is sent as empty); tlsConfig.insecureSkipVerify becomes `tls_config.insecure_skip_verify`.
//
// The Secrets are read from dist/: a Secret as rendered, an ExternalSecret by rendering its
// template (`{{ .key }}` only, which is all synth writes) over `keyVault`, the values a test
// stores in its stand-in vault.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';

/** The data of Secret `name` in dist/<env>/<component>/, decoded. */
export function renderedSecret(dist, env, component, name, keyVault) {
  const file = (kind) => join(dist, env, component, `${kind}-${name}.yaml`);
  if (existsSync(file('secret'))) {
    const secret = YAML.parse(readFileSync(file('secret'), 'utf8'));
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  }
  if (!existsSync(file('externalsecret'))) throw new Error(`neither Secret nor ExternalSecret ${name} in ${join(dist, env, component)}`);
  const external = YAML.parse(readFileSync(file('externalsecret'), 'utf8'));
  const fetched = {};
  for (const { secretKey, remoteRef } of external.spec.data) {
    if (!(remoteRef.key in keyVault)) throw new Error(`ExternalSecret ${name} reads Key Vault secret ${remoteRef.key}, which the test's vault does not hold`);
    fetched[secretKey] = keyVault[remoteRef.key];
  }
  const template = external.spec.target.template?.data;
  if (!template) return fetched;
  return Object.fromEntries(
    Object.entries(template).map(([k, text]) => [
      k,
      text.replace(/\{\{ \.(\w+) \}\}/g, (_, key) => {
        if (!(key in fetched)) throw new Error(`ExternalSecret ${name}: template reads .${key}, which spec.data does not fetch`);
        return fetched[key];
      }),
    ]),
  );
}

/** `basic_auth`, `scheme` and `tls_config` of the scrape job for `endpoint`. */
export function scrapeAuth(endpoint, secretOf) {
  const job = { scheme: endpoint.scheme ?? 'http' };
  if (endpoint.basicAuth) {
    const value = ({ name, key }) => {
      const data = secretOf(name);
      if (!(key in data)) throw new Error(`key ${key} not in Secret ${name}`);
      return data[key];
    };
    job.basic_auth = { username: value(endpoint.basicAuth.username), password: value(endpoint.basicAuth.password) };
  }
  if (endpoint.tlsConfig) {
    const unsupported = Object.keys(endpoint.tlsConfig).filter((k) => k !== 'insecureSkipVerify');
    if (unsupported.length) throw new Error(`tlsConfig ${unsupported.join(', ')} is not translated here`);
    job.tls_config = { insecure_skip_verify: endpoint.tlsConfig.insecureSkipVerify === true };
  }
  return job;
}

/** The Authorization header Prometheus sends for `basic_auth` (RFC 7617, user:password). */
export const basicAuthHeader = (basicAuth) => ({ Authorization: `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}` });
