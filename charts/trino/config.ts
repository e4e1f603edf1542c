import type { PolarisConsumer } from '../polaris';
import { heapMiB } from './memory';
import type { TrinoSettings } from './settings';

/** Ports and paths of the trinodb/trino image (etc in /etc/trino, data in /data/trino). */
export const TRINO = {
  httpPort: 8080,
  httpsPort: 8443,
  etc: '/etc/trino',
  dataDir: '/data/trino',
  /** The image user (trinodb/trino Dockerfile: useradd --uid 1000 trino). */
  uid: 1000,
  /** Inside the image: exits 0 once the node is active, not starting (trinodb/trino core/docker/bin/health-check). */
  healthCheck: '/usr/lib/trino/bin/health-check',
} as const;

/** The catalog file name: its basename is the catalog name users query. */
export const CATALOG_NAME = 'lakehouse';

/** Environment variables the property files read with ${ENV:...} (airlift configuration). */
export const TRINO_ENV = {
  sharedSecret: 'TRINO_INTERNAL_SHARED_SECRET',
  polarisClientId: 'POLARIS_CLIENT_ID',
  polarisClientSecret: 'POLARIS_CLIENT_SECRET',
} as const;

export type Role = 'coordinator' | 'worker';

const properties = (entries: Record<string, string | number | boolean>) =>
  `${Object.entries(entries)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;

export { heapMiB };

/**
 * jvm.config of Trino 476, the settings the Trino documentation recommends ("Deploying Trino",
 * JVM config), with the heap from the container memory limit instead of a constant, and without
 * -XX:+HeapDumpOnOutOfMemoryError: a dump is as large as the heap (48 GiB in prod) and the only
 * writable place is a size-limited emptyDir, so writing one gets the pod evicted instead of
 * restarted, and the dump is lost with the pod anyway. ExitOnOutOfMemoryError stays: the
 * container restarts at once.
 */
export function jvmConfig(memoryGiB: number): string {
  return `${[
    '-server',
    `-Xmx${heapMiB(memoryGiB)}M`,
    '-XX:InitialRAMPercentage=80',
    '-XX:G1HeapRegionSize=32M',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-XX:-OmitStackTraceInFastThrow',
    '-XX:ReservedCodeCacheSize=512M',
    '-XX:PerMethodRecompilationCutoff=10000',
    '-XX:PerBytecodeRecompilationCutoff=10000',
    '-Djdk.attach.allowAttachSelf=true',
    '-Djdk.nio.maxCachedBufferSize=2000000',
    '-Dfile.encoding=UTF-8',
    '-XX:+EnableDynamicAgentLoading',
  ].join('\n')}\n`;
}

/** config.properties of a coordinator or a worker. */
export function configProperties(role: Role, settings: TrinoSettings, discoveryUri: string): string {
  const common = {
    'http-server.http.port': TRINO.httpPort,
    'discovery.uri': discoveryUri,
    // Nodes authenticate to each other with this secret (Key Vault).
    'internal-communication.shared-secret': `\${ENV:${TRINO_ENV.sharedSecret}}`,
    // Memory per node is left to Trino's defaults, which follow the heap: a query may take 30 %
    // of it on a node (query.max-memory-per-node) and 30 % stays free for untracked allocations
    // (memory.heap-headroom-per-node), so one query fails before the node runs out of memory.
    'shutdown.grace-period': `${settings.shutdownGracePeriodSeconds}s`,
  };
  // Workers: file-based access control, so the drain user may change the node's state (the
  // default access control refuses every PUT /v1/info/state with 403 "Management only resource").
  if (role === 'worker') return properties({ coordinator: false, ...common, 'access-control.config-files': ACCESS_CONTROL_FILE });
  const secured = settings.authentication === 'password';
  return properties({
    coordinator: true,
    'node-scheduler.include-coordinator': false,
    ...common,
    // ... and across the cluster, what the environment sets: never derived from the worker
    // count, so scaling the workers leaves the coordinator (and its running queries) alone.
    'query.max-memory': `${Math.floor(settings.queryMaxMemoryGiB * 1024)}MB`,
    ...(secured
      ? {
          'access-control.config-files': ACCESS_CONTROL_FILE,
          'http-server.authentication.type': 'PASSWORD',
          'http-server.https.enabled': true,
          'http-server.https.port': TRINO.httpsPort,
          'http-server.https.keystore.path': `${TRINO.etc}/tls/tls.pem`,
        }
      : {}),
  });
}

export function nodeProperties(environment: string): string {
  // node.id from the pod name, so a restarted pod is a new node (as the Trino Helm chart does).
  return properties({ 'node.environment': environment, 'node.data-dir': TRINO.dataDir, 'node.id': '${ENV:HOSTNAME}' });
}

export const logProperties = properties({ 'io.trino': 'INFO' });

export const passwordAuthenticatorProperties = properties({
  'password-authenticator.name': 'file',
  'file.password-file': `${TRINO.etc}/auth/password.db`,
});

/**
 * The Iceberg catalog over Polaris. Storage access is decided here, once: workload identity
 * (`azure.auth-type=DEFAULT`, Trino 476 native Azure file system) with a data role on the
 * tables' container through the ledger. Trino 476 predates vended Azure credentials, so
 * nothing of that path is configured. Only the coordinator calls the catalog (it plans and
 * commits; workers read and write files), so only its file carries Polaris credentials: a
 * rotated secret restarts the coordinator alone, and a worker holds no catalog secret at all.
 * test/trino/boot.mjs runs the worker with its catalog pointed at a closed port.
 */
export function catalogProperties(role: Role, polaris: PolarisConsumer, dataLocation: string): string {
  return `# Tables live under ${dataLocation}; the workload identity reaches it (the ledger grants it).\n${properties({
    'connector.name': 'iceberg',
    'iceberg.catalog.type': 'rest',
    'iceberg.rest-catalog.uri': polaris.catalogUri,
    'iceberg.rest-catalog.warehouse': polaris.warehouse,
    ...(role === 'coordinator'
      ? {
          'iceberg.rest-catalog.security': 'OAUTH2',
          'iceberg.rest-catalog.oauth2.server-uri': polaris.oauthTokenUri,
          'iceberg.rest-catalog.oauth2.credential': `\${ENV:${TRINO_ENV.polarisClientId}}:\${ENV:${TRINO_ENV.polarisClientSecret}}`,
          'iceberg.rest-catalog.oauth2.scope': polaris.scope,
          'iceberg.rest-catalog.oauth2.token-refresh-enabled': true,
        }
      : {}),
    'fs.native-azure.enabled': true,
    'azure.auth-type': 'DEFAULT',
  })}`;
}

export const ACCESS_CONTROL_FILE = `${TRINO.etc}/access-control.properties`;
export const ACCESS_RULES_FILE = 'rules.json';

/**
 * access-control.properties: Trino's file-based system access control (docs "File-based access
 * control"). The rules file is re-read every minute, so a change of who may do what applies
 * without a restart (the rules are left out of the pods' config checksum).
 */
export const accessControlProperties = properties({
  'access-control.name': 'file',
  'security.config-file': `${TRINO.etc}/${ACCESS_RULES_FILE}`,
  'security.refresh-period': '1m',
});

/** A rule's user field: exactly these names (user names admit no regular-expression characters). */
const anyOf = (users: readonly string[]) => users.join('|');

/** The metrics user's one right: read system information, which Trino's /metrics requires (management read). */
const metricsReader = (metricsUser: string) => ({ user: anyOf([metricsUser]), allow: ['read'] });

/**
 * The workers' rules: only the drain user may write system information, that is, change the node
 * state, and only the metrics user may read it (SystemInformationRule of Trino 476 matches `user`
 * or `role`; no rule, no access).
 */
export function workerAccessRules(drainUser: string, metricsUser: string): string {
  return `${JSON.stringify({ system_information: [{ user: anyOf([drainUser]), allow: ['write'] }, metricsReader(metricsUser)] }, null, 2)}\n`;
}

/**
 * The coordinator's rules with password sign-in: three roles of a lakehouse. Rules are read top
 * down and the first match wins; a section with no matching rule denies, so a signed-in user in
 * no role can run nothing (`queries`). Impersonation has no rules and is therefore refused.
 */
export function coordinatorAccessRules(access: NonNullable<TrinoSettings['access']>, metricsUser: string): string {
  const admins = anyOf(access.administrators);
  const users = (list: readonly string[]) => (list.length ? [anyOf(list)] : []);
  const others = users([...access.writers, ...access.readers]);
  const rules = {
    catalogs: [
      { user: admins, allow: 'all' },
      ...users(access.writers).map((user) => ({ user, catalog: CATALOG_NAME, allow: 'all' })),
      ...users(access.readers).map((user) => ({ user, catalog: CATALOG_NAME, allow: 'read-only' })),
      ...others.map((user) => ({ user, catalog: 'system', allow: 'read-only' })),
    ],
    // Only administrators create and drop schemas.
    schemas: [{ user: admins, owner: true }],
    tables: [
      { user: admins, privileges: ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP', 'GRANT_SELECT'] },
      ...users(access.writers).map((user) => ({ user, catalog: CATALOG_NAME, privileges: ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP'] })),
      ...users(access.readers).map((user) => ({ user, catalog: CATALOG_NAME, privileges: ['SELECT'] })),
      // In the system catalog, what JDBC and ODBC clients read; not the cluster's nodes or tasks.
      ...others.map((user) => ({ user, catalog: 'system', schema: 'jdbc|metadata', privileges: ['SELECT'] })),
    ],
    // Everyone sees and kills their own queries; administrators anyone's.
    queries: [{ user: admins, allow: ['execute', 'view', 'kill'] }, ...others.map((user) => ({ user, allow: ['execute'] }))],
    // The metrics user reads /metrics and is in no other section: no catalog, no query.
    system_information: [{ user: admins, allow: ['read', 'write'] }, metricsReader(metricsUser)],
    // Connector procedures (Iceberg's register_table, rollback_to_snapshot, ...): administrators.
    procedures: [{ user: admins, privileges: ['EXECUTE'] }],
  };
  return `${JSON.stringify(rules, null, 2)}\n`;
}

/**
 * The workers' preStop: Trino's graceful shutdown (docs "Graceful shutdown"). The worker stops
 * taking tasks, waits shutdown.grace-period, finishes its tasks, waits again and exits; the hook
 * waits for that exit, so the termination grace (not a fixed sleep) bounds the drain. A refused
 * request fails the hook, which Kubernetes reports as a FailedPreStopHook event.
 */
export function drainCommand(drainUser: string): string {
  const state = `http://localhost:${TRINO.httpPort}/v1/info/state`;
  return [
    `curl -sSf -X PUT -H 'Content-Type: application/json' -H 'X-Trino-User: ${drainUser}' -d '"SHUTTING_DOWN"' ${state} || exit 1`,
    `while curl -sf -o /dev/null ${state}; do sleep 5; done`,
  ].join('\n');
}
