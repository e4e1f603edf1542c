import { defineEnvironment } from '../charts/define-environment';

/**
 * Example production environment: private endpoints only, delete locks, long retention,
 * highly available operators. All Azure facts are examples; replace them with yours.
 */
export default defineEnvironment({
  name: 'prod',
  azure: {
    tenantId: 'dc8117ac-2f36-4dcb-b19e-16cc2ba0e849',
    subscriptionId: '044030b3-01af-47b7-8156-a6ca59af779e',
    resourceGroup: 'rg-lakehouse-prod',
    location: 'westeurope',
    aks: { clusterName: 'aks-lakehouse-prod', resourceGroup: 'rg-aks-prod' },
    namePrefix: 'lakehouse-prod',
    storageAccountName: 'stlakehouseprod01',
    keyVaultName: 'kv-lakehouse-prod-01',
    containerRegistryName: 'crlakehouseprod01',
    network: {
      // Private endpoints only; the privatelink zones are created here and linked to vnet-prod.
      // Name an existing hub's zones with privateEndpoints.dnsZoneResourceGroupId instead.
      publicNetworkAccess: 'Disabled',
      privateEndpoints: {
        subnetId:
          '/subscriptions/044030b3-01af-47b7-8156-a6ca59af779e/resourceGroups/rg-network-prod/providers/Microsoft.Network/virtualNetworks/vnet-prod/subnets/snet-private-endpoints',
      },
    },
    logAnalyticsWorkspaceId:
      '/subscriptions/044030b3-01af-47b7-8156-a6ca59af779e/resourceGroups/rg-monitoring-prod/providers/Microsoft.OperationalInsights/workspaces/log-platform-prod',
    tags: { costCenter: 'data-platform', criticality: 'high' },
  },
  protection: {
    deleteLock: true,
    blobSoftDeleteDays: 30,
    containerSoftDeleteDays: 30,
    // Fixed once the vault exists.
    keyVaultSoftDeleteDays: 90,
    keyVaultPurgeProtection: true,
  },
  gitops: {
    repoURL: 'https://github.com/example-org/aks-lakehouse.git',
    // Prod runs what was promoted to it (npm run promote -- dev prod), not every merge to main.
    targetRevision: 'env/prod',
  },
  // Azure Monitor managed Prometheus, Managed Grafana, alert rule groups and dashboards (README, "Operating it").
  monitoring: {
    actionGroup: { shortName: 'lakehouse-p', emails: ['platform-oncall@example.org', 'data-platform@example.org'] },
    // The Entra ID group that administers the environment's Grafana (an example object ID).
    grafanaAdmins: ['7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'],
    // Paged sooner in prod.
    thresholds: { flinkCheckpointMaxAgeMinutes: 15, connectMissedCommitIntervals: 2 },
  },
  operators: { highAvailability: true },
  components: {
    warpstream: {
      region: 'eu-central-1',
      image: 'crlakehouseprod01.azurecr.io/warpstream/warpstream_agent:v833',
      // WarpStream's production minimum: whole vCPUs, 4 GiB per vCPU, at least 3 agents.
      enforceProductionResources: true,
      agent: { cpu: 4, memoryGiB: 16, minReplicas: 3, maxReplicas: 30 },
      schemaRegistry: { enabled: true, cpu: 2, memoryGiB: 8, minReplicas: 3, maxReplicas: 6 },
      // The topics the example's producers write: the sink reads events, the Flink application orders.
      topics: [
        { name: 'events', partitions: 24 },
        { name: 'orders', partitions: 24 },
      ],
    },
    polaris: {
      image: 'crlakehouseprod01.azurecr.io/apache/polaris:1.7.0',
      adminToolImage: 'crlakehouseprod01.azurecr.io/apache/polaris-admin-tool:1.7.0',
      databaseClientImage: 'crlakehouseprod01.azurecr.io/library/postgres:16',
      creatorImage: 'crlakehouseprod01.azurecr.io/library/python:3.13-slim',
      replicas: 2,
      cpu: 2,
      memoryGiB: 4,
      realm: 'POLARIS',
      // One realm, and Trino 476 cannot send the realm header: requests fall to the default realm.
      requireRealmHeader: false,
      catalogName: 'lakehouse',
      warehousePath: 'warehouse',
      consumers: {
        trino: { access: 'readWrite' },
        'kafka-connect': { access: 'namespaces', namespaces: ['raw'] },
        flink: { access: 'namespaces', namespaces: ['streaming'] },
        // The orders application's job writes its table through the catalog (components.flink.applications catalog).
        'flink-orders': { access: 'namespaces', namespaces: ['streaming'] },
      },
      database: {
        sku: 'Standard_D2ds_v5',
        tier: 'GeneralPurpose',
        version: '16',
        storageGiB: 128,
        backupRetentionDays: 35,
        geoRedundantBackup: true,
        zoneRedundantHa: true,
      },
    },
    'kafka-connect': {
      image: 'crlakehouseprod01.azurecr.io/kafka-connect/iceberg:1.2.0-kafka-4.3.1-iceberg-1.10.1',
      replicas: 3,
      cpu: 2,
      memoryGiB: 8,
      sinks: [
        {
          name: 'events-to-iceberg',
          topics: ['events'],
          table: 'raw.events',
          namespace: 'raw',
          commitIntervalSeconds: 300,
          tasksMax: 3,
        },
      ],
    },
    flink: {
      image: 'crlakehouseprod01.azurecr.io/flink/lakehouse:1.20.0-wi1',
      session: {
        jobManager: { cpu: 1, memoryGiB: 4 },
        taskManager: { cpu: 2, memoryGiB: 8, slots: 4, replicas: 3, localStateGiB: 100 },
      },
      sqlGateway: { cpu: 1, memoryGiB: 2, replicas: 2 },
      applications: [
        {
          name: 'orders',
          jar: 'orders-enricher/1.0.0/orders-enricher-1.0.0.jar',
          catalog: true,
          entryClass: 'com.example.orders.OrdersEnricher',
          args: ['--input-topic', 'orders', '--output-table', 'streaming.orders'],
          parallelism: 4,
          jobManager: { cpu: 1, memoryGiB: 2 },
          taskManager: { cpu: 2, memoryGiB: 8, slots: 2, localStateGiB: 100 },
        },
      ],
    },
    trino: {
      image: 'crlakehouseprod01.azurecr.io/trinodb/trino:476',
      coordinator: { cpu: 4, memoryGiB: 16 },
      workers: { replicas: 4, cpu: 8, memoryGiB: 64 },
      // What one query may hold across the workers; set, not derived, so scaling leaves the coordinator alone.
      queryMaxMemoryGiB: 28.8,
      authentication: 'password',
      // Each user needs a line in the password file (Key Vault trino-password-db), the metrics user
      // trino-metrics too (its password also in trino-metrics-password); see docs/trino.md.
      access: {
        administrators: ['platform-admin'],
        writers: ['ingest'],
        readers: ['analyst'],
      },
    },
  },
});
