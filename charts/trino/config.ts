import type { PolarisConsumer } from '../polaris';
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

/** Heap as a share of the container limit, in MiB: the rest is for metaspace, threads, direct buffers. */
export function heapMiB(memoryGiB: number): number {
  return Math.floor(memoryGiB * 1024 * 0.75);
}

/**
 * jvm.config of Trino 476, the settings the Trino documentation recommends ("Deploying Trino",
 * JVM config), with the heap from the container memory limit instead of a constant.
 */
export function jvmConfig(memoryGiB: number): string {
  return `${[
    '-server',
    `-Xmx${heapMiB(memoryGiB)}M`,
    '-XX:InitialRAMPercentage=80',
    '-XX:G1HeapRegionSize=32M',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-XX:+HeapDumpOnOutOfMemoryError',
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
  if (role === 'worker') return properties({ coordinator: false, ...common });
  const secured = settings.authentication === 'password';
  return properties({
    coordinator: true,
    'node-scheduler.include-coordinator': false,
    ...common,
    // ... and across the cluster, half of what the workers' per-node limits add up to.
    'query.max-memory': `${Math.floor(heapMiB(settings.workers.memoryGiB) * 0.3 * settings.workers.replicas * 0.5)}MB`,
    ...(secured
      ? {
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
 * nothing of that path is configured.
 */
export function catalogProperties(polaris: PolarisConsumer, dataLocation: string): string {
  return `# Tables live under ${dataLocation}; the workload identity reaches it (the ledger grants it).\n${properties({
    'connector.name': 'iceberg',
    'iceberg.catalog.type': 'rest',
    'iceberg.rest-catalog.uri': polaris.catalogUri,
    'iceberg.rest-catalog.warehouse': polaris.warehouse,
    'iceberg.rest-catalog.security': 'OAUTH2',
    'iceberg.rest-catalog.oauth2.server-uri': polaris.oauthTokenUri,
    'iceberg.rest-catalog.oauth2.credential': `\${ENV:${TRINO_ENV.polarisClientId}}:\${ENV:${TRINO_ENV.polarisClientSecret}}`,
    'iceberg.rest-catalog.oauth2.scope': polaris.scope,
    'iceberg.rest-catalog.oauth2.token-refresh-enabled': true,
    'fs.native-azure.enabled': true,
    'azure.auth-type': 'DEFAULT',
  })}`;
}
