import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { selectorLabels } from '../lib/chart';
import { WorkloadIdentity } from '../lib/identity';
import type { Platform } from '../lib/platform';
import { KeyVaultSecret } from '../lib/secrets';
import { checksum, dnsEgress, resources, restrictedContainer, restrictedPod, tcpEgress } from '../lib/workload';
import creatorScript from './creator.py';
import { POLARIS, POLARIS_DATABASE, polarisKeyVaultSecrets, postgresServerName } from './constants';
import { PolarisSettings } from './settings';

export interface PolarisJobsProps {
  readonly settings: PolarisSettings;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly database: KeyVaultSecret;
  readonly polarisUrl: string;
  /** The catalog as the management API creates it (CreateCatalogRequest.catalog). */
  readonly catalog: Record<string, unknown>;
  /** Principals, roles and grants per consumer, as creator.py reads them. */
  readonly consumers: readonly Record<string, unknown>[];
}

/** checkov reads per-resource skips from annotations. */
export const QUARKUS_PASSWORD_FROM_ENV = {
  'checkov.io/skip1': 'CKV_K8S_35=Quarkus reads the datasource password from its configuration, which environment variables feed (as the upstream Polaris chart does); the value comes from Key Vault',
};

/** Argo CD hooks (argo-cd docs "Resource Hooks"): recreated on every sync, so a re-run is the normal case. */
const hook = (phase: 'Sync' | 'PostSync', wave: number) => ({
  'argocd.argoproj.io/hook': phase,
  'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
  'argocd.argoproj.io/sync-wave': String(wave),
});

/**
 * The realm bootstrap (admin tool, same version as the server) before the server starts, and
 * the catalog creator after it serves. Both are idempotent: bootstrapping a bootstrapped realm
 * is a no-op in 1.7.0 (BootstrapCommand: "already bootstrapped; skipping"), and the creator
 * reads before it writes.
 */
export class PolarisJobs extends Construct {
  constructor(scope: Construct, id: string, platform: Platform, props: PolarisJobsProps) {
    super(scope, id);
    const { namespace, labels, settings } = props;
    const root = new KeyVaultSecret(this, 'root-secret', {
      namespace,
      secretName: 'polaris-root',
      labels,
      keys: { clientId: polarisKeyVaultSecrets.rootClientId, clientSecret: polarisKeyVaultSecrets.rootClientSecret },
    });
    // The admin tool reads root credentials from a file (RootCredentialsSet.fromUri: realm: {client-id, client-secret}).
    const bootstrapCredentials = new KeyVaultSecret(this, 'bootstrap-secret', {
      namespace,
      secretName: 'polaris-bootstrap',
      labels,
      keys: { clientId: polarisKeyVaultSecrets.rootClientId, clientSecret: polarisKeyVaultSecrets.rootClientSecret },
      template: { 'credentials.yaml': `${settings.realm}:\n  client-id: "{{ .clientId }}"\n  client-secret: "{{ .clientSecret }}"\n` },
    });

    const jdbcUrl = `jdbc:postgresql://${postgresServerName(platform)}.postgres.database.azure.com:5432/${POLARIS_DATABASE.name}?sslmode=verify-full&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory`;
    this.job('bootstrap', {
      labels,
      namespace,
      annotations: { ...hook('Sync', 0), ...QUARKUS_PASSWORD_FROM_ENV },
      serviceAccountName: this.plainServiceAccount('polaris-bootstrap', namespace, labels),
      image: settings.adminToolImage,
      // The realms come from the file's keys: --realm and --credentials-file are exclusive
      // (BootstrapCommand 1.7.0, an exclusive @ArgGroup; picocli exits 2 when both are given).
      args: ['bootstrap', '--credentials-file', '/credentials/credentials.yaml'],
      env: [
        { name: 'POLARIS_PERSISTENCE_TYPE', value: 'relational-jdbc' },
        { name: 'QUARKUS_DATASOURCE_JDBC_URL', value: jdbcUrl },
        { name: 'QUARKUS_DATASOURCE_USERNAME', value: POLARIS_DATABASE.login },
        { name: 'QUARKUS_DATASOURCE_PASSWORD', valueFrom: { secretKeyRef: { name: props.database.secretName, key: 'password' } } },
      ],
      volumes: [{ name: 'credentials', secret: { secretName: bootstrapCredentials.secretName, defaultMode: 0o440 } }],
      volumeMounts: [{ name: 'credentials', mountPath: '/credentials', readOnly: true }],
      egress: [dnsEgress, tcpEgress(5432)],
      uid: POLARIS.uid,
    });

    const creator = new WorkloadIdentity(this, 'creator-identity', platform, {
      identityName: 'polaris-catalog-creator',
      namespace,
      labels: { ...labels, 'app.kubernetes.io/name': 'polaris-catalog-creator' },
    });
    platform.keyVault.grantSecretsWrite(creator, props.consumers.flatMap((c) => Object.values(c.keyVaultSecrets as Record<string, string>)));
    const config = { 'config.json': `${JSON.stringify({ catalog: props.catalog, consumers: props.consumers }, null, 2)}\n`, 'creator.py': creatorScript };
    new k8s.KubeConfigMap(this, 'creator-config', { metadata: { name: 'polaris-catalog-creator', namespace, labels }, data: config });
    this.job('catalog-creator', {
      labels,
      namespace,
      annotations: { ...hook('PostSync', 0), 'checksum/config': checksum(config) },
      serviceAccountName: creator.serviceAccountName,
      podLabels: WorkloadIdentity.podLabels,
      image: settings.creatorImage,
      command: ['python3', '-B', '/creator/creator.py'],
      env: [
        { name: 'CREATOR_CONFIG', value: '/creator/config.json' },
        { name: 'POLARIS_URL', value: props.polarisUrl },
        { name: 'POLARIS_REALM', value: settings.realm },
        { name: 'KEY_VAULT_URL', value: platform.keyVault.vaultUrl },
        { name: 'ROOT_CREDENTIALS', value: '/root-credentials' },
      ],
      volumes: [
        { name: 'creator', configMap: { name: 'polaris-catalog-creator' } },
        { name: 'root-credentials', secret: { secretName: root.secretName, defaultMode: 0o440 } },
      ],
      volumeMounts: [
        { name: 'creator', mountPath: '/creator', readOnly: true },
        { name: 'root-credentials', mountPath: '/root-credentials', readOnly: true },
      ],
      // Polaris in this namespace; Key Vault and Entra ID over HTTPS.
      egress: [dnsEgress, tcpEgress(POLARIS.httpPort, 443)],
      uid: 65534,
    });
  }

  private plainServiceAccount(name: string, namespace: string, labels: Record<string, string>): string {
    new k8s.KubeServiceAccount(this, `${name}-sa`, { metadata: { name, namespace, labels }, automountServiceAccountToken: false });
    return name;
  }

  private job(
    name: string,
    props: {
      labels: Record<string, string>;
      namespace: string;
      annotations: Record<string, string>;
      serviceAccountName: string;
      podLabels?: Record<string, string>;
      image: string;
      command?: string[];
      args?: string[];
      env: k8s.EnvVar[];
      volumes: k8s.Volume[];
      volumeMounts: k8s.VolumeMount[];
      egress: k8s.NetworkPolicyEgressRule[];
      uid: number;
    },
  ): void {
    const jobName = `polaris-${name}`;
    const labels = { ...props.labels, 'app.kubernetes.io/name': jobName, 'app.kubernetes.io/instance': jobName };
    new k8s.KubeJob(this, name, {
      metadata: { name: jobName, namespace: props.namespace, labels, annotations: props.annotations },
      spec: {
        // Retries ride out a database or server that is not reachable yet.
        backoffLimit: 10,
        activeDeadlineSeconds: 1800,
        ttlSecondsAfterFinished: 86400,
        template: {
          metadata: { labels: { ...labels, ...props.podLabels } },
          spec: {
            restartPolicy: 'OnFailure',
            serviceAccountName: props.serviceAccountName,
            automountServiceAccountToken: false,
            securityContext: restrictedPod(props.uid),
            containers: [
              {
                name,
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                command: props.command,
                args: props.args,
                env: props.env,
                resources: resources(0.25, 0.5),
                securityContext: restrictedContainer,
                volumeMounts: [...props.volumeMounts, { name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [...props.volumes, { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } }],
          },
        },
      },
    });
    new k8s.KubeNetworkPolicy(this, `${name}-network-policy`, {
      metadata: { name: jobName, namespace: props.namespace, labels },
      spec: { podSelector: { matchLabels: selectorLabels(jobName) }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: props.egress },
    });
  }
}
