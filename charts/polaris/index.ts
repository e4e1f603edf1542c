import { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { PlatformChart, recommendedLabels, selectorLabels } from '../lib/chart';
import { ConfigError } from '../lib/errors';
import { WorkloadIdentity } from '../lib/identity';
import { workloadNamespaces } from '../lib/namespaces';
import type { Platform } from '../lib/platform';
import { LakeLocation } from '../lib/lake';
import { exposeMetrics } from '../lib/monitoring';
import { KeyVaultSecret } from '../lib/secrets';
import { SYNC_WAVE_ANNOTATION, syncWaves } from '../lib/sync-waves';
import { checksum, dnsEgress, namespacesPeer, resources, restrictedContainer, restrictedPod, spreadAcrossZones, tcpEgress } from '../lib/workload';
import { PolarisJobs, QUARKUS_PASSWORD_FROM_ENV } from './jobs';
import { POLARIS, POLARIS_DATABASE, POLARIS_DB_POOL_MAX_SIZE, polarisKeyVaultSecrets, postgresServerName } from './constants';
import { PolarisServerLogin } from './server-login';
import { PolarisSettings } from './settings';

/** What a consumer chart needs to reach the catalog: never written by hand. */
export interface PolarisConsumer {
  /** Iceberg REST catalog URI (the client appends /v1/...). */
  readonly catalogUri: string;
  /** OAuth2 client-credentials token endpoint. */
  readonly oauthTokenUri: string;
  /** The catalog name, which Iceberg clients give as the warehouse. */
  readonly warehouse: string;
  /** Headers every request carries (the realm). */
  readonly headers: Readonly<Record<string, string>>;
  /** OAuth2 scope that activates the consumer's principal role. */
  readonly scope: string;
  /** Key Vault secret names of the consumer's client ID and secret (the catalog creator writes them). */
  readonly keyVaultSecrets: { readonly clientId: string; readonly clientSecret: string };
  /** Where the catalog's tables live; a consumer that reads or writes data directly grants itself on it. */
  readonly dataLocation: LakeLocation;
  /** Whether Polaris refuses requests without the realm header. */
  readonly requiresRealmHeader: boolean;
}

/**
 * Apache Polaris, the Iceberg REST catalog: the server on PostgreSQL, the realm bootstrap and
 * the catalog creator. Keyless: Polaris reaches the `iceberg` container through its workload
 * identity and vends user delegation SAS to clients, so it holds Storage Blob Delegator.
 */
export class PolarisChart extends PlatformChart {
  readonly serviceName = 'polaris';
  private readonly settings: PolarisSettings;

  constructor(scope: App, platform: Platform, settings: PolarisSettings) {
    super(scope, platform, { component: 'polaris', syncWave: syncWaves.workloads });
    this.settings = settings;
    const envFile = `environments/${platform.env.name}.ts`;
    platform.registryImage('polaris.image', settings.image, 'import', {
      expected: [{ label: '', software: 'Polaris', version: POLARIS.release }],
      why: 'the configuration, the bootstrap arguments and the catalog flags are made and checked for that release (test/polaris, pinned/polaris); an upgrade changes those with the tag',
    });
    // Its version is tied to the server's by polarisSettings.
    platform.registryImage('polaris.adminToolImage', settings.adminToolImage, 'import');
    platform.registryImage('polaris.databaseClientImage', settings.databaseClientImage, 'import', {
      expected: [{ label: '', software: 'PostgreSQL', fromMajor: 15 }],
      why: 'the server-login script reads its variables with \\getenv, which psql has since 15',
    });
    platform.registryImage('polaris.creatorImage', settings.creatorImage, 'import', {
      expected: [{ label: '', software: 'Python', fromMajor: 3, beforeMajor: 4 }],
      why: 'the catalog creator is a Python 3 script',
    });
    const network = platform.env.azure.network;
    if (!network.privateEndpoints && network.aksEgressIps.length === 0) {
      throw new ConfigError(envFile, 'azure.network.aksEgressIps', [], 'must list the AKS egress addresses when there are no privateEndpoints: the PostgreSQL firewall admits nothing else');
    }

    const namespace = workloadNamespaces.polaris;
    const name = this.serviceName;
    const version = settings.image.split(/[:@]/)[1];
    const labels = recommendedLabels(name, 'catalog', version);
    const selector = selectorLabels(name);

    const identity = new WorkloadIdentity(this, 'identity', platform, { identityName: 'polaris', namespace, labels });
    const iceberg = platform.lake.container('iceberg').grantReadWrite(identity);
    platform.lake.grantUserDelegation(identity);
    const warehouse = iceberg.location(settings.warehousePath);

    const database = new KeyVaultSecret(this, 'database-secret', {
      namespace,
      secretName: 'polaris-database',
      labels,
      keys: { password: polarisKeyVaultSecrets.databasePassword },
    });
    // The server logs in as its own role, not as the administrator (server-login.ts).
    const serverDatabase = new KeyVaultSecret(this, 'server-database-secret', {
      namespace,
      secretName: 'polaris-database-server',
      labels,
      keys: { password: polarisKeyVaultSecrets.serverDatabasePassword },
    });
    new PolarisServerLogin(this, 'server-login', platform, { namespace, labels, image: settings.databaseClientImage, administrator: database, server: serverDatabase });
    const tokenBroker = new KeyVaultSecret(this, 'token-broker-secret', {
      namespace,
      secretName: 'polaris-token-broker',
      labels,
      // Every replica signs and verifies tokens with the same key; a key made per pod breaks tokens across replicas.
      keys: { 'symmetric.key': polarisKeyVaultSecrets.tokenBrokerKey },
    });

    const jdbcUrl = `jdbc:postgresql://${postgresServerName(platform)}.postgres.database.azure.com:5432/${POLARIS_DATABASE.name}?sslmode=verify-full&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory`;
    const properties: Record<string, string> = {
      'polaris.persistence.type': 'relational-jdbc',
      'quarkus.datasource.jdbc.url': jdbcUrl,
      'quarkus.datasource.username': POLARIS_DATABASE.serverLogin,
      'quarkus.datasource.jdbc.max-size': String(POLARIS_DB_POOL_MAX_SIZE),
      'polaris.realm-context.type': 'default',
      'polaris.realm-context.realms': settings.realm,
      'polaris.realm-context.require-header': String(settings.requireRealmHeader),
      'polaris.features."SUPPORTED_CATALOG_STORAGE_TYPES"': '["AZURE"]',
      'polaris.authentication.token-broker.type': 'symmetric-key',
      'polaris.authentication.token-broker.symmetric-key.file': '/deployments/token-broker/symmetric.key',
      'quarkus.http.port': String(POLARIS.httpPort),
      'quarkus.management.port': String(POLARIS.managementPort),
      'quarkus.shutdown.timeout': 'PT30S',
      // The server's defaults write ./logs/polaris.log, which the read-only root cannot hold; the upstream chart turns it off too.
      'quarkus.log.file.enabled': 'false',
    };
    const applicationProperties = Object.entries(properties)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');
    new k8s.KubeConfigMap(this, 'config', { metadata: { name, namespace, labels }, data: { 'application.properties': `${applicationProperties}\n` } });

    const probe = (path: string) => ({
      httpGet: { path, port: k8s.IntOrString.fromString('management') },
      initialDelaySeconds: 5,
      periodSeconds: 10,
      timeoutSeconds: 10,
      failureThreshold: 3,
    });
    new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name, namespace, labels, annotations: { [SYNC_WAVE_ANNOTATION]: '1', ...QUARKUS_PASSWORD_FROM_ENV } },
      spec: {
        replicas: settings.replicas,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: {
            labels: { ...labels, ...WorkloadIdentity.podLabels },
            annotations: { 'checksum/config': checksum({ 'application.properties': applicationProperties }) },
          },
          spec: {
            serviceAccountName: identity.serviceAccountName,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 60,
            securityContext: restrictedPod(POLARIS.uid, POLARIS.gid),
            // Replicas in prod must land in different zones; dev's single replica is never blocked.
            topologySpreadConstraints: spreadAcrossZones(selector, settings.replicas > 1),
            containers: [
              {
                name: 'polaris',
                image: settings.image,
                imagePullPolicy: 'IfNotPresent',
                env: [
                  { name: 'QUARKUS_DATASOURCE_PASSWORD', valueFrom: { secretKeyRef: { name: serverDatabase.secretName, key: 'password' } } },
                  // run-java.sh of the UBI OpenJDK image sizes the heap as a share of the container limit.
                  { name: 'JAVA_MAX_MEM_RATIO', value: '75' },
                  { name: 'JAVA_INITIAL_MEM_RATIO', value: '50' },
                ],
                ports: [
                  { name: 'http', containerPort: POLARIS.httpPort, protocol: 'TCP' },
                  { name: 'management', containerPort: POLARIS.managementPort, protocol: 'TCP' },
                ],
                livenessProbe: probe(POLARIS.liveness),
                readinessProbe: probe(POLARIS.readiness),
                resources: resources(settings.cpu, settings.memoryGiB),
                securityContext: restrictedContainer,
                volumeMounts: [
                  { name: 'config', mountPath: POLARIS.configDir, readOnly: true },
                  { name: 'token-broker', mountPath: '/deployments/token-broker', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name } },
              { name: 'token-broker', secret: { secretName: tokenBroker.secretName, defaultMode: 0o440 } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
            ],
          },
        },
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: { name, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [
          { name: 'http', port: POLARIS.httpPort, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' },
          { name: 'management', port: POLARIS.managementPort, targetPort: k8s.IntOrString.fromString('management'), protocol: 'TCP' },
        ],
      },
    });
    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: { name, namespace, labels },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
    });
    new k8s.KubeNetworkPolicy(this, 'network-policy', {
      metadata: { name, namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        // Catalog clients of the platform (and the creator in this namespace); probes come from the node.
        ingress: [{ from: [namespacesPeer(Object.values(workloadNamespaces))], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(POLARIS.httpPort) }] }],
        // ADLS and Entra ID over HTTPS, PostgreSQL.
        egress: [dnsEgress, tcpEgress(443, 5432)],
      },
    });
    // Quarkus Micrometer's Prometheus registry on the management port (Polaris 1.7.0
    // runtime/defaults application.properties: quarkus.management.enabled, quarkus.micrometer.export.prometheus.enabled).
    exposeMetrics(this, { name, namespace, labels, selector, port: POLARIS.managementPort, path: '/q/metrics' });

    new PolarisJobs(this, 'jobs', platform, {
      settings,
      namespace,
      labels,
      database,
      polarisUrl: `http://${name}.${namespace}.svc:${POLARIS.httpPort}`,
      catalog: {
        type: 'INTERNAL',
        name: settings.catalogName,
        properties: {
          'default-base-location': warehouse.abfss(),
          // Trino 476 drops tables with purge, which 1.7.0 refuses unless the catalog allows it (FeatureConfiguration.DROP_WITH_PURGE_ENABLED).
          'polaris.config.drop-with-purge.enabled': 'true',
        },
        storageConfigInfo: {
          storageType: 'AZURE',
          tenantId: platform.env.azure.tenantId,
          allowedLocations: [warehouse.abfss()],
          // The lake has a hierarchical namespace (bicep/modules/storage.bicep isHnsEnabled): SAS scoped to the table folder.
          hierarchical: true,
        },
      },
      consumers: Object.keys(settings.consumers).sort().map((consumer) => this.consumerEntry(consumer)),
    });
  }

  /** How `consumer` reaches the catalog; fails when the environment gives it no access. */
  consumer(consumer: string): PolarisConsumer {
    if (!this.settings.consumers[consumer]) {
      throw new ConfigError(`environments/${this.platform.env.name}.ts`, `components.polaris.consumers.${consumer}`, undefined, 'must exist: that component reads the catalog');
    }
    const base = `http://${this.serviceName}.${workloadNamespaces.polaris}.svc:${POLARIS.httpPort}/api/catalog`;
    return {
      catalogUri: base,
      oauthTokenUri: `${base}/v1/oauth/tokens`,
      warehouse: this.settings.catalogName,
      headers: { [POLARIS.realmHeader]: this.settings.realm },
      scope: `PRINCIPAL_ROLE:${consumer.replace(/-/g, '_')}`,
      keyVaultSecrets: { clientId: `polaris-${consumer}-client-id`, clientSecret: `polaris-${consumer}-client-secret` },
      dataLocation: this.platform.lake.container('iceberg').path(this.settings.warehousePath),
      requiresRealmHeader: this.settings.requireRealmHeader,
    };
  }

  /** The namespaces `consumer` may create and write tables in (access `namespaces`). */
  namespacesOf(consumer: string): readonly string[] {
    return this.settings.consumers[consumer]?.namespaces ?? [];
  }

  private consumerEntry(consumer: string) {
    const { access, namespaces, rotation } = this.settings.consumers[consumer];
    const role = consumer.replace(/-/g, '_');
    const catalogGrant = (privilege: string) => ({ type: 'catalog', privilege });
    const namespaceGrant = (namespace: string, privilege: string) => ({ type: 'namespace', namespace: [namespace], privilege });
    // Least privilege per access level (Polaris privileges, management API CatalogPrivilege/NamespacePrivilege).
    const grants =
      access === 'read'
        ? ['CATALOG_READ_PROPERTIES', 'NAMESPACE_LIST', 'NAMESPACE_READ_PROPERTIES', 'TABLE_LIST', 'TABLE_READ_PROPERTIES', 'TABLE_READ_DATA'].map(catalogGrant)
        : access === 'readWrite'
          ? ['CATALOG_READ_PROPERTIES', 'CATALOG_MANAGE_CONTENT'].map(catalogGrant)
          : [
              catalogGrant('CATALOG_READ_PROPERTIES'),
              ...namespaces.flatMap((ns) =>
                ['NAMESPACE_READ_PROPERTIES', 'TABLE_LIST', 'TABLE_CREATE', 'TABLE_READ_PROPERTIES', 'TABLE_WRITE_PROPERTIES', 'TABLE_READ_DATA', 'TABLE_WRITE_DATA'].map((p) => namespaceGrant(ns, p)),
              ),
            ];
    return {
      name: consumer,
      principal: consumer,
      principalRole: role,
      catalogRole: role,
      namespaces,
      grants,
      rotation,
      keyVaultSecrets: this.consumer(consumer).keyVaultSecrets,
    };
  }
}
