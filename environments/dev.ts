import { defineEnvironment } from '../charts/define-environment';

/**
 * Example development environment: small, cheap, reachable from the office network,
 * no delete locks. All Azure facts are examples; replace them with yours.
 */
export default defineEnvironment({
  name: 'dev',
  azure: {
    tenantId: 'dc8117ac-2f36-4dcb-b19e-16cc2ba0e849',
    subscriptionId: '0c9b0e19-65a1-40a2-a651-5d7d5a241a1d',
    resourceGroup: 'rg-lakehouse-dev',
    location: 'westeurope',
    aks: { clusterName: 'aks-lakehouse-dev', resourceGroup: 'rg-aks-dev' },
    namePrefix: 'lakehouse-dev',
    storageAccountName: 'stlakehousedev01',
    keyVaultName: 'kv-lakehouse-dev-01',
    containerRegistryName: 'crlakehousedev01',
    network: {
      // Public endpoints behind firewalls: the office range, and the AKS node subnet through
      // its Microsoft.Storage and Microsoft.KeyVault service endpoints.
      publicNetworkAccess: 'Enabled',
      allowedIpRanges: ['203.0.113.0/24'],
      // The cluster's outbound addresses: PostgreSQL has no VNet rules, its firewall admits these.
      aksEgressIps: ['198.51.100.20'],
      aksSubnetIds: [
        '/subscriptions/0c9b0e19-65a1-40a2-a651-5d7d5a241a1d/resourceGroups/rg-network-dev/providers/Microsoft.Network/virtualNetworks/vnet-dev/subnets/snet-aks-nodes',
      ],
    },
    tags: { costCenter: 'data-platform' },
  },
  protection: {
    deleteLock: false,
    blobSoftDeleteDays: 7,
    containerSoftDeleteDays: 7,
    // Fixed once the vault exists.
    keyVaultSoftDeleteDays: 7,
    keyVaultPurgeProtection: true,
  },
  gitops: {
    repoURL: 'https://github.com/example-org/aks-lakehouse.git',
    targetRevision: 'main',
  },
  // Azure Monitor managed Prometheus, Managed Grafana, alert rule groups and dashboards (README, "Operating it").
  monitoring: {
    actionGroup: { shortName: 'lakehouse-d', emails: ['platform-team@example.org'] },
    // The Entra ID group that administers the environment's Grafana (an example object ID).
    grafanaAdmins: ['5f0c7e1a-2b3c-4d5e-8f90-a1b2c3d4e5f6'],
  },
  operators: { highAvailability: false },
  components: {
    warpstream: {
      region: 'eu-central-1',
      image: 'crlakehousedev01.azurecr.io/warpstream/warpstream_agent:v833',
      // Small and cheap; WarpStream's production guard is off in dev only.
      enforceProductionResources: false,
      agent: { cpu: 1, memoryGiB: 2, minReplicas: 1, maxReplicas: 3 },
      schemaRegistry: { enabled: true, cpu: 0.5, memoryGiB: 1, minReplicas: 1, maxReplicas: 2 },
      // The topics the example's producers write: the sink reads events, the Flink application orders.
      topics: [
        { name: 'events', partitions: 6 },
        { name: 'orders', partitions: 6 },
      ],
    },
    polaris: {
      image: 'crlakehousedev01.azurecr.io/apache/polaris:1.7.0',
      adminToolImage: 'crlakehousedev01.azurecr.io/apache/polaris-admin-tool:1.7.0',
      databaseClientImage: 'crlakehousedev01.azurecr.io/library/postgres:16',
      creatorImage: 'crlakehousedev01.azurecr.io/library/python:3.13-slim',
      replicas: 1,
      cpu: 0.5,
      memoryGiB: 1,
      realm: 'POLARIS',
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
        sku: 'Standard_B1ms',
        tier: 'Burstable',
        version: '16',
        storageGiB: 32,
        backupRetentionDays: 7,
        geoRedundantBackup: false,
        zoneRedundantHa: false,
      },
    },
    'kafka-connect': {
      image: 'crlakehousedev01.azurecr.io/kafka-connect/iceberg:1.2.0-kafka-4.3.1-iceberg-1.10.1',
      replicas: 1,
      cpu: 0.5,
      memoryGiB: 2,
      sinks: [
        {
          name: 'events-to-iceberg',
          topics: ['events'],
          table: 'raw.events',
          namespace: 'raw',
          commitIntervalSeconds: 60,
          tasksMax: 1,
        },
      ],
    },
    flink: {
      image: 'crlakehousedev01.azurecr.io/flink/lakehouse:1.20.0-wi1',
      session: {
        jobManager: { cpu: 0.5, memoryGiB: 2 },
        taskManager: { cpu: 1, memoryGiB: 4, slots: 2, replicas: 1 },
      },
      sqlGateway: { cpu: 0.5, memoryGiB: 1, replicas: 1 },
      applications: [
        {
          name: 'orders',
          jar: 'orders-enricher/1.0.0/orders-enricher-1.0.0.jar',
          catalog: true,
          entryClass: 'com.example.orders.OrdersEnricher',
          args: ['--input-topic', 'orders', '--output-table', 'streaming.orders'],
          parallelism: 1,
          jobManager: { cpu: 0.5, memoryGiB: 1 },
          taskManager: { cpu: 1, memoryGiB: 2, slots: 1 },
        },
      ],
    },
    trino: {
      image: 'crlakehousedev01.azurecr.io/trinodb/trino:476',
      coordinator: { cpu: 1, memoryGiB: 4 },
      workers: { replicas: 1, cpu: 1, memoryGiB: 4 },
      // What one query may hold across the workers; set, not derived, so scaling leaves the coordinator alone.
      queryMaxMemoryGiB: 0.45,
      // Anyone who reaches the coordinator from the platform namespaces may query: dev only.
      authentication: 'none',
    },
  },
});
