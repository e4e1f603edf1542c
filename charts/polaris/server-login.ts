import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { selectorLabels } from '../lib/chart';
import type { Platform } from '../lib/platform';
import { KeyVaultSecret } from '../lib/secrets';
import { checksum, dnsEgress, resources, restrictedContainer, restrictedPod, tcpEgress } from '../lib/workload';
import { POLARIS_DATABASE, postgresServerName } from './constants';

/**
 * Gives the Polaris server its own PostgreSQL login, run by psql as the administrator on
 * every sync (idempotent): the role exists and has the password Key Vault holds; it may read
 * and write the rows of every table in the Polaris database, now and later (default
 * privileges for what the administrator creates, which is what the bootstrap creates), and
 * nothing else: no DDL, no roles, no other database. The administrator stays with this Job
 * and the bootstrap. `\getenv` needs psql 15 or later.
 */
export const SERVER_LOGIN_SQL = `\\set ON_ERROR_STOP on
\\getenv server_login POLARIS_SERVER_LOGIN
\\getenv server_password POLARIS_SERVER_PASSWORD
SELECT format('CREATE ROLE %I LOGIN', :'server_login') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'server_login') \\gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'server_login', :'server_password') \\gexec
SELECT format('ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO %I', :'server_login') \\gexec
SELECT format('ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', :'server_login') \\gexec
SELECT format('ALTER DEFAULT PRIVILEGES GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I', :'server_login') \\gexec
SELECT format('GRANT USAGE ON SCHEMA %I TO %I', nspname, :'server_login') FROM pg_namespace WHERE nspowner = current_user::regrole \\gexec
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', nspname, :'server_login') FROM pg_namespace WHERE nspowner = current_user::regrole \\gexec
SELECT format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I', nspname, :'server_login') FROM pg_namespace WHERE nspowner = current_user::regrole \\gexec
`;

export interface ServerLoginProps {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** A PostgreSQL image with psql 15 or later, from the environment's registry. */
  readonly image: string;
  /** The administrator's password (key `password`). */
  readonly administrator: KeyVaultSecret;
  /** The server login's password (key `password`). */
  readonly server: KeyVaultSecret;
}

/** The Job, its script and its NetworkPolicy: a Sync hook before the bootstrap (wave 0). */
export class PolarisServerLogin extends Construct {
  constructor(scope: Construct, id: string, platform: Platform, props: ServerLoginProps) {
    super(scope, id);
    const name = 'polaris-server-login';
    const labels = { ...props.labels, 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
    const config = { 'server-login.sql': SERVER_LOGIN_SQL };
    new k8s.KubeConfigMap(this, 'script', { metadata: { name, namespace: props.namespace, labels }, data: config });
    new k8s.KubeJob(this, 'Resource', {
      metadata: {
        name,
        namespace: props.namespace,
        labels,
        annotations: {
          'argocd.argoproj.io/hook': 'Sync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
          'argocd.argoproj.io/sync-wave': '-1',
          'checksum/config': checksum(config),
          'checkov.io/skip1': 'CKV_K8S_35=psql reads the passwords from PGPASSWORD and \\getenv; the values come from Key Vault',
        },
      },
      spec: {
        // Retries ride out a server that is not reachable yet.
        backoffLimit: 10,
        activeDeadlineSeconds: 1800,
        ttlSecondsAfterFinished: 86400,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'OnFailure',
            automountServiceAccountToken: false,
            // nobody: psql needs no account of its own (PGUSER names the login, no psqlrc or history).
            securityContext: restrictedPod(65534),
            containers: [
              {
                name: 'psql',
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['psql', '--no-psqlrc', '--quiet', '--file', '/script/server-login.sql'],
                env: [
                  { name: 'PGHOST', value: `${postgresServerName(platform)}.postgres.database.azure.com` },
                  { name: 'PGPORT', value: '5432' },
                  { name: 'PGDATABASE', value: POLARIS_DATABASE.name },
                  { name: 'PGUSER', value: POLARIS_DATABASE.login },
                  // TLS with the server's certificate checked against the image's CA store (libpq 16: sslrootcert=system).
                  { name: 'PGSSLMODE', value: 'verify-full' },
                  { name: 'PGSSLROOTCERT', value: 'system' },
                  { name: 'PGCONNECT_TIMEOUT', value: '10' },
                  { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: props.administrator.secretName, key: 'password' } } },
                  { name: 'POLARIS_SERVER_LOGIN', value: POLARIS_DATABASE.serverLogin },
                  { name: 'POLARIS_SERVER_PASSWORD', valueFrom: { secretKeyRef: { name: props.server.secretName, key: 'password' } } },
                ],
                resources: resources(0.25, 0.25),
                securityContext: restrictedContainer,
                volumeMounts: [
                  { name: 'script', mountPath: '/script', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'script', configMap: { name } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            ],
          },
        },
      },
    });
    new k8s.KubeNetworkPolicy(this, 'network-policy', {
      metadata: { name, namespace: props.namespace, labels },
      spec: { podSelector: { matchLabels: selectorLabels(name) }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [dnsEgress, tcpEgress(5432)] },
    });
  }
}
