import { describe, expect, it } from 'vitest';
import { Lake } from '../charts/lib/lake';
import { Ledger } from '../charts/lib/ledger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { synthesize } from '../charts/synth';
import { environments } from '../environments';
import { errorsOf, readCommittedOutputs, root, synthVariant } from './helpers';

// GIVEN a committed environment WHEN one setting is wrong THEN synth names the file, the
// key, the value and what is expected, and produces no dist/ files.
describe('fails on a malformed environment with one precise error', () => {
  const cases: [string, (env: any) => void, string][] = [
    ['a bad storage account name', (e) => (e.azure.storageAccountName = 'St_Lake'),
      'environments/dev.ts: azure.storageAccountName ("St_Lake") must be 3-24 lowercase letters and digits (Azure storage account rule)'],
    ['a non-GUID tenant', (e) => (e.azure.tenantId = 'contoso.onmicrosoft.com'),
      'environments/dev.ts: azure.tenantId ("contoso.onmicrosoft.com") must be a lowercase GUID'],
    ['an unknown component', (e) => (e.components.kafka = {}),
      'environments/dev.ts: components.kafka ({}) is not a known component; expected one of '],
    ['an unknown setting', (e) => (e.azure.storageAcount = 'x'),
      'environments/dev.ts: azure.storageAcount ("x") is not a known setting; expected one of aks, containerRegistryName,'],
    ['a missing setting', (e) => delete e.azure.keyVaultName,
      'environments/dev.ts: azure.keyVaultName (missing) must be a string'],
    ['a bad Key Vault name', (e) => (e.azure.keyVaultName = 'kv--lakehouse'),
      'environments/dev.ts: azure.keyVaultName ("kv--lakehouse") must be 3-24 letters, digits and single hyphens, starting with a letter (Azure Key Vault rule)'],
    ['a name that differs from the file', (e) => (e.name = 'staging'),
      'environments/dev.ts: name ("staging") must equal the file name (dev)'],
    ['soft delete below the Key Vault minimum', (e) => (e.protection.keyVaultSoftDeleteDays = 3),
      'environments/dev.ts: protection.keyVaultSoftDeleteDays (3) must be >= 7'],
    ['private access without private endpoints', (e) => {
      e.azure.network.publicNetworkAccess = 'Disabled';
      e.azure.network.allowedIpRanges = [];
    }, "environments/dev.ts: azure.network.privateEndpoints (missing) is required when network.publicNetworkAccess is 'Disabled'"],
    ['a public access value that is not an enum member', (e) => (e.azure.network.publicNetworkAccess = 'Yes'),
      'environments/dev.ts: azure.network.publicNetworkAccess ("Yes") must be one of "Enabled", "Disabled"'],
    ['a malformed IP range', (e) => (e.azure.network.allowedIpRanges = ['203.0.113.0/33']),
      'environments/dev.ts: azure.network.allowedIpRanges.0 ("203.0.113.0/33") must be a public IPv4 address or CIDR range such as 203.0.113.0/24'],
    ['a non-https repository', (e) => (e.gitops.repoURL = 'http://example.org/repo.git'),
      'environments/dev.ts: gitops.repoURL ("http://example.org/repo.git") must be an https://, ssh:// or git@ Git URL'],
    ['a wrong type', (e) => (e.operators.highAvailability = 'yes'),
      'environments/dev.ts: operators.highAvailability ("yes") must be a boolean'],
    ['whitespace in the target revision', (e) => (e.gitops.targetRevision = 'main '),
      'environments/dev.ts: gitops.targetRevision ("main ") must be a branch, tag or commit SHA without whitespace'],
    ['Argo CD in a workload namespace', (e) => (e.gitops.argocdNamespace = 'warpstream'),
      'environments/dev.ts: gitops.argocdNamespace ("warpstream") must not be a namespace of the platform (cert-manager, external-secrets, flink, flink-operator, kafka-connect, polaris, strimzi, trino, warpstream)'],
    ['a misspelt region', (e) => (e.azure.location = 'westeruope'),
      'environments/dev.ts: azure.location ("westeruope") must be an Azure region name; did you mean westeurope?'],
    ['a region written as its display name', (e) => (e.azure.location = 'West Europe'),
      'environments/dev.ts: azure.location ("West Europe") must be an Azure region name; did you mean westeurope?'],
    ['a tag name with a character Azure forbids', (e) => (e.azure.tags = { 'cost/center': 'data' }),
      'environments/dev.ts: azure.tags.cost/center ("cost/center") must not contain < > % & \\ ? or /'],
    ['a database SKU of another tier', (e) => (e.components.polaris.database.sku = 'Standard_D2ds_v5'),
      'environments/dev.ts: components.polaris.database.tier ("Burstable") must be GeneralPurpose for the Standard_D2ds_v5 SKU'],
    ['a database size no disk comes in', (e) => (e.components.polaris.database.storageGiB = 100),
      'environments/dev.ts: components.polaris.database.storageGiB (100) must be one of the sizes a flexible server disk comes in: 32, 64, 128'],
    ['an admin tool of another version than the server', (e) => (e.components.polaris.adminToolImage = e.components.polaris.adminToolImage.replace(':1.7.0', ':1.6.0')),
      'environments/dev.ts: components.polaris.adminToolImage ("crlakehousedev01.azurecr.io/apache/polaris-admin-tool:1.6.0") must be the same version as image (1.7.0)'],
    ['a topic pattern that is not a regular expression', (e) => {
      const sink = e.components['kafka-connect'].sinks[0];
      delete sink.topics;
      sink.topicsRegex = 'orders.(eu|us';
    }, 'environments/dev.ts: components.kafka-connect.sinks.0.topicsRegex ("orders.(eu|us") must be a valid regular expression'],
    ['a sink reading a topic nothing creates', (e) => (e.components['kafka-connect'].sinks[0].topics = ['payments']),
      'environments/dev.ts: components.kafka-connect.sinks.0.topics.0 ("payments") must be declared in components.warpstream.topics (events, orders): nothing else creates it'],
    ['a job jar path that climbs out of its folder', (e) => (e.components.flink.applications[0].jar = 'orders-enricher/../1.0.0/orders-enricher-1.0.0.jar'),
      'environments/dev.ts: components.flink.applications.0.jar ("orders-enricher/../1.0.0/orders-enricher-1.0.0.jar") must be a path to a .jar inside the flink container, with no . or .. segment'],
    ['a job jar path with a . segment', (e) => (e.components.flink.applications[0].jar = './orders-enricher-1.0.0.jar'),
      'environments/dev.ts: components.flink.applications.0.jar ("./orders-enricher-1.0.0.jar") must be a path to a .jar inside the flink container'],
    ['two sinks with one name', (e) => e.components['kafka-connect'].sinks.push({ ...e.components['kafka-connect'].sinks[0] }),
      'environments/dev.ts: components.kafka-connect.sinks.1.name ("events-to-iceberg") must be unique: item 0 has the same name'],
    // An image whose tag names another release than the one the charts are made and checked for.
    ['a Polaris server and admin tool of another release than the charts are made for', (e) => {
      const polaris = e.components.polaris;
      polaris.image = polaris.image.replace(':1.7.0', ':1.6.0');
      polaris.adminToolImage = polaris.adminToolImage.replace(':1.7.0', ':1.6.0');
    }, 'environments/dev.ts: components.polaris.image ("crlakehousedev01.azurecr.io/apache/polaris:1.6.0") must be Polaris 1.7.0 (its tag names 1.6.0): the configuration, the bootstrap arguments and the catalog flags are made and checked for that release'],
    ['a Connect image tag naming other Kafka and Iceberg releases than images/kafka-connect builds', (e) => (e.components['kafka-connect'].image = e.components['kafka-connect'].image.replace('kafka-4.3.1-iceberg-1.10.1', 'kafka-4.2.0-iceberg-1.10.2')),
      'environments/dev.ts: components.kafka-connect.image ("crlakehousedev01.azurecr.io/kafka-connect/iceberg:1.2.0-kafka-4.2.0-iceberg-1.10.2") must be Kafka 4.3.1 (its tag names 4.2.0), Iceberg 1.10.1 (its tag names 1.10.2): images/kafka-connect builds these'],
    ['a Flink image tag naming another release than images/flink builds', (e) => (e.components.flink.image = e.components.flink.image.replace(':1.20.0-', ':1.19.1-')),
      'environments/dev.ts: components.flink.image ("crlakehousedev01.azurecr.io/flink/lakehouse:1.19.1-wi1") must be Flink 1.20.0 (its tag names 1.19.1): images/flink builds that release'],
    ['a database client without \\getenv', (e) => (e.components.polaris.databaseClientImage = e.components.polaris.databaseClientImage.replace(':16', ':14-alpine')),
      'environments/dev.ts: components.polaris.databaseClientImage ("crlakehousedev01.azurecr.io/library/postgres:14-alpine") must be PostgreSQL 15 or later (its tag names 14): the server-login script reads its variables with \\getenv'],
    ['a catalog creator image of Python 2', (e) => (e.components.polaris.creatorImage = e.components.polaris.creatorImage.replace(':3.13-slim', ':2.7-slim')),
      'environments/dev.ts: components.polaris.creatorImage ("crlakehousedev01.azurecr.io/library/python:2.7-slim") must be Python 3 (its tag names 2.7): the catalog creator is a Python 3 script'],
    // An entry written twice in a list.
    ['an egress address written twice (each is the PostgreSQL firewall rule named by it)', (e) => e.azure.network.aksEgressIps.push(e.azure.network.aksEgressIps[0]),
      'environments/dev.ts: azure.network.aksEgressIps.1 ("198.51.100.20") must not repeat item 0: Azure refuses a deployment that declares one PostgreSQL firewall rule twice'],
    ['a Grafana admin group written twice', (e) => e.monitoring.grafanaAdmins.push(e.monitoring.grafanaAdmins[0]),
      'environments/dev.ts: monitoring.grafanaAdmins.1 ("5f0c7e1a-2b3c-4d5e-8f90-a1b2c3d4e5f6") must not repeat item 0: Azure refuses a deployment that declares one role deployment twice'],
    ['an e-mail receiver written twice, in other case', (e) => e.monitoring.actionGroup.emails.push(e.monitoring.actionGroup.emails[0].toUpperCase()),
      'environments/dev.ts: monitoring.actionGroup.emails.1 ("PLATFORM-TEAM@EXAMPLE.ORG") must not repeat item 0'],
    ['a sink topic written twice', (e) => e.components['kafka-connect'].sinks[0].topics.push('events'),
      'environments/dev.ts: components.kafka-connect.sinks.0.topics.1 ("events") must not repeat item 0'],
    ['a bad Log Analytics resource ID', (e) => (e.azure.logAnalyticsWorkspaceId = 'log-platform'),
      'environments/dev.ts: azure.logAnalyticsWorkspaceId ("log-platform") must be a Log Analytics workspace resource ID'],
    ['the resource ID of something other than a Log Analytics workspace', (e) => (e.azure.logAnalyticsWorkspaceId = '/subscriptions/0c9b0e19-65a1-40a2-a651-5d7d5a241a1d/resourceGroups/rg-monitoring/providers/Microsoft.Insights/components/appi-platform'),
      'environments/dev.ts: azure.logAnalyticsWorkspaceId ("/subscriptions/0c9b0e19-65a1-40a2-a651-5d7d5a241a1d/resourceGroups/rg-monitoring/providers/Microsoft.Insights/components/appi-platform") must be a Log Analytics workspace resource ID'],
  ];

  it.each(cases)('%s', (_, change, message) => {
    const result = synthVariant('dev', change);
    expect(result.files).toBeUndefined();
    expect(errorsOf(result)).toHaveLength(1);
    expect(errorsOf(result)[0]).toContain(message);
  });
});

describe('fails on captured Azure outputs that do not fit', () => {
  const cases: [string, (o: any) => void, string][] = [
    ['a non-GUID client ID', (o) => (o.identities['external-secrets'].clientId = 'not-a-guid'),
      'environments/dev.azure.json: identities.external-secrets.clientId ("not-a-guid") must be a lowercase GUID'],
    ['a missing identity output', (o) => delete o.identities['external-secrets'],
      'environments/dev.azure.json: identities.external-secrets.clientId (missing) must exist: the identity is in the ledger bicep/env/dev.workloads.json but not yet in Azure; run `npm run deploy -- dev`'],
    ['a renamed storage account (the deployed one holds the lake)', (o) => (o.storageAccountName = 'stsomethingelse'),
      'environments/dev.ts: azure.storageAccountName ("stlakehousedev01") cannot replace the deployed "stsomethingelse" (environments/dev.azure.json), which holds the lake'],
    ['a renamed vault (the deployed one holds the secrets)', (o) => (o.keyVaultUri = 'https://kv-old-name.vault.azure.net/'),
      'environments/dev.ts: azure.keyVaultName ("kv-lakehouse-dev-01") cannot replace the deployed "kv-old-name" (environments/dev.azure.json), which holds the platform\'s secrets'],
    ['outputs from another tenant', (o) => (o.tenantId = '00000000-0000-0000-0000-000000000000'),
      'environments/dev.azure.json: tenantId ("00000000-0000-0000-0000-000000000000") must match environments/dev.ts azure.tenantId'],
    ['a malformed vault URI', (o) => (o.keyVaultUri = 'kv-lakehouse-dev-01'),
      'environments/dev.azure.json: keyVaultUri ("kv-lakehouse-dev-01") must be https://<vault>.vault.azure.net/'],
  ];

  it.each(cases)('%s', (_, change, message) => {
    const result = synthVariant('dev', () => undefined, change);
    expect(result.files).toBeUndefined();
    expect(errorsOf(result)).toHaveLength(1);
    expect(errorsOf(result)[0]).toContain(message);
  });

  it('fails on two identities with one client ID', () => {
    const result = synthVariant('dev', () => undefined, (o) => {
      const ids = Object.keys(o.identities).sort();
      o.identities[ids[1]].clientId = o.identities[ids[0]].clientId;
    });
    expect(result.files).toBeUndefined();
    expect(errorsOf(result)).toEqual([expect.stringMatching(/^environments\/dev\.azure\.json: identities\.[a-z-]+\.clientId \("[0-9a-f-]{36}"\) must differ from identities\.[a-z-]+\.clientId: every identity has its own client ID/)]);
  });

  // An interrupted deploy: the parse error is the only message, before any field is looked at.
  it.each([
    ['empty', '', 'environments/dev.azure.json: (file) ("") is empty: the last deploy may have been interrupted; run `npm run deploy -- dev` again'],
    ['blank', ' \n', 'environments/dev.azure.json: (file) ("") is empty: the last deploy may have been interrupted'],
    ['truncated', '{"tenantId": "dc8117ac-2f36-4dcb', 'environments/dev.azure.json: (file) ("{\\"tenantId\\": \\"dc8117ac-2...") is not valid JSON (Unterminated string'],
  ])('fails on an %s outputs file with one message', (_, text, message) => {
    const result = synthesize({ environments: { dev: environments.dev }, readOutputs: () => text })[0];
    expect(result.files).toBeUndefined();
    expect(errorsOf(result)).toEqual([expect.stringContaining(message)]);
  });

  it('reads an outputs file that starts with a byte order mark', () => {
    const text = `\uFEFF${readFileSync(join(root, 'environments', 'dev.azure.json'), 'utf8')}`;
    const result = synthesize({ environments: { dev: environments.dev }, readOutputs: () => text })[0];
    expect(errorsOf(result)).toEqual([]);
  });

  it('reports an environment that was never deployed in one line', () => {
    const result = synthesize({ environments: { dev: environments.dev }, readOutputs: () => undefined })[0];
    expect(result.files).toBeUndefined();
    expect(errorsOf(result)).toEqual(['environments/dev.azure.json: (file) (missing) must exist: dev is not deployed yet; run `npm run deploy -- dev`, which creates them and writes environments/dev.azure.json, then synth again']);
  });

  it('reports an environment not deployed yet in the same run as its other problems', () => {
    // As a copy of dev.ts for a new environment: its own registry, but the images still name dev's.
    const env = structuredClone(environments.dev) as any;
    env.azure.containerRegistryName = 'crlakehousestg01';
    const errors = errorsOf(synthesize({ environments: { dev: env }, readOutputs: () => undefined })[0]);
    expect(errors.filter((e) => e.includes("must come from the environment's registry crlakehousestg01.azurecr.io/"))).toHaveLength(8);
    expect(errors.at(-1)).toContain('environments/dev.azure.json: (file) (missing) must exist: dev is not deployed yet; run `npm run deploy -- dev`');
    expect(errors).toHaveLength(9);
  });

  it('reports several identities not yet deployed in one line', () => {
    const result = synthVariant('dev', () => undefined, (o) => {
      for (const id of Object.keys(o.identities).slice(0, 3)) delete o.identities[id];
    });
    expect(errorsOf(result)).toEqual([expect.stringMatching(/^environments\/dev\.azure\.json: identities \("3 missing: [a-z-]+, [a-z-]+, [a-z-]+"\) must exist: .*npm run deploy -- dev/)]);
  });

  it('still writes the ledger when only client IDs are missing (bootstrap of a new environment)', () => {
    const result = synthVariant('dev', () => undefined, (o) => (o.identities = {}));
    expect(result.files).toBeUndefined();
    expect(result.ledger!.identities.map((i) => i.name)).toContain('external-secrets');
  });
});

describe('one run reports every problem', () => {
  it('names every image of another registry (an environment copied from another), not only the first', () => {
    const result = synthVariant('dev', (e) => {
      for (const component of Object.values(e.components) as any[]) {
        for (const [key, value] of Object.entries(component)) {
          if (typeof value === 'string' && value.startsWith('crlakehousedev01.azurecr.io/')) component[key] = value.replace('crlakehousedev01', 'crlakehouseprod01');
        }
      }
    });
    const images = Object.values(environments.dev.components as any).flatMap((c: any) => Object.values(c).filter((v) => typeof v === 'string' && v.startsWith('crlakehousedev01.azurecr.io/')));
    const registryErrors = errorsOf(result).filter((m) => m.includes("must come from the environment's registry crlakehousedev01.azurecr.io/"));
    expect(images.length).toBeGreaterThan(5);
    expect(registryErrors).toHaveLength(images.length);
  });

  it('reports a component\'s own problem once, not again as a missing provider in the components that use it', () => {
    // Polaris stops building (its database admits nothing); Trino, Kafka Connect and Flink ask for its handle.
    const result = synthVariant('dev', (e) => (e.azure.network.aksEgressIps = []));
    expect(errorsOf(result)).toEqual([expect.stringContaining('azure.network.aksEgressIps ([]) must list the AKS egress addresses')]);
  });
});

describe('an unknown key inside a list item', () => {
  it('lists the keys the item takes', () => {
    const result = synthVariant('dev', (e) => (e.components['kafka-connect'].sinks[0].topicz = ['orders']));
    expect(errorsOf(result)).toEqual([expect.stringMatching(/^environments\/dev\.ts: components\.kafka-connect\.sinks\.0\.topicz \(\["orders"\]\) is not a known setting; expected one of .*\bname\b.*\btopics\b/)]);
  });
});

describe('environments that would share Azure resources', () => {
  it('refuses a second environment with another one\'s name prefix or vault, naming both files', () => {
    const copy = structuredClone(environments.prod) as any;
    copy.name = 'stage';
    copy.azure.namePrefix = (environments.dev as any).azure.namePrefix;
    copy.azure.keyVaultName = (environments.dev as any).azure.keyVaultName;
    const [, , stage] = synthesize({ environments: { dev: environments.dev, prod: environments.prod, stage: copy }, readOutputs: () => undefined });
    // It copied prod's storage account and registry names too: every clash is reported in one run.
    expect(errorsOf(stage)).toEqual(expect.arrayContaining([
      expect.stringContaining(`environments/stage.ts: azure.namePrefix ("${(environments.dev as any).azure.namePrefix}") must differ from environments/dev.ts azure.namePrefix`),
      expect.stringContaining(`environments/stage.ts: azure.keyVaultName ("${(environments.dev as any).azure.keyVaultName}") must differ from environments/dev.ts azure.keyVaultName`),
      expect.stringContaining(`environments/stage.ts: azure.storageAccountName ("${(environments.prod as any).azure.storageAccountName}") must differ from environments/prod.ts azure.storageAccountName`),
      // And prod's cluster.
      expect.stringContaining('environments/stage.ts: azure.aks ({"clusterName":"aks-lakehouse-prod","resourceGroup":"rg-aks-prod"}) must name another cluster than environments/prod.ts azure.aks'),
    ]));
  });

  it("names an outputs file copied from another environment in one line, not as renamed resources", () => {
    const copy = structuredClone(environments.dev) as any;
    copy.name = 'stage';
    Object.assign(copy.azure, { resourceGroup: 'rg-lakehouse-stage', namePrefix: 'lakehouse-stage', storageAccountName: 'stlakehousestage01', keyVaultName: 'kv-lakehouse-stage-01', containerRegistryName: 'crlakehousestage01' });
    copy.azure.aks = { clusterName: 'aks-lakehouse-stage', resourceGroup: 'rg-aks-stage' };
    const [, stage] = synthesize({ environments: { dev: environments.dev, stage: copy }, readOutputs: () => readCommittedOutputs('dev') });
    expect(errorsOf(stage)).toEqual([
      "environments/stage.azure.json: (file) (\"the outputs of dev\") must be stage's own: it names environments/dev.ts's resource group rg-lakehouse-dev and storage account stlakehousedev01, as a copied file does; delete it, and `npm run deploy -- stage` writes stage's",
    ]);
  });

  it('refuses a second environment in another one\'s cluster, whatever the case of its name', () => {
    const copy = structuredClone(environments.dev) as any;
    copy.name = 'stage';
    Object.assign(copy.azure, { namePrefix: 'lakehouse-stage', storageAccountName: 'stlakehousestage01', keyVaultName: 'kv-lakehouse-stage-01', containerRegistryName: 'crlakehousestage01' });
    copy.azure.aks = { clusterName: 'AKS-Lakehouse-Dev', resourceGroup: 'rg-aks-dev' };
    const [, stage] = synthesize({ environments: { dev: environments.dev, stage: copy }, readOutputs: () => undefined });
    expect(errorsOf(stage)[0]).toBe(
      'environments/stage.ts: azure.aks ({"clusterName":"AKS-Lakehouse-Dev","resourceGroup":"rg-aks-dev"}) must name another cluster than environments/dev.ts azure.aks: every environment syncs the same namespaces and cluster-wide objects, so two in one cluster would overwrite each other',
    );
  });
});

describe('grants refuse what the model cannot back', () => {
  it('fails on a duplicate service account across identities', () => {
    const ledger = new Ledger('dev');
    ledger.addSubject('a', { namespace: 'ns', serviceAccount: 'sa' });
    expect(() => ledger.addSubject('b', { namespace: 'ns', serviceAccount: 'sa' })).toThrowError(
      'service account ns/sa is declared twice (identities a and b); each service account federates to exactly one identity',
    );
  });

  it('fails above 20 federated subjects on one identity', () => {
    const ledger = new Ledger('dev');
    for (let i = 0; i < 20; i++) ledger.addSubject('shared', { namespace: 'ns', serviceAccount: `sa-${i}` });
    expect(() => ledger.addSubject('shared', { namespace: 'ns', serviceAccount: 'sa-20' })).toThrowError(
      'identity shared has 21 federated subjects; Azure allows at most 20 per user-assigned identity, split it',
    );
  });

  it('fails on a malformed container name', () => {
    expect(() => new Lake('acct', new Ledger('dev')).container('Iceberg_Data')).toThrowError(
      'container name ("Iceberg_Data") must be 3-63 lowercase letters, digits and single hyphens',
    );
  });

  it('fails on a path that climbs out of its container', () => {
    expect(() => new Lake('acct', new Ledger('dev')).container('iceberg').path('../flink')).toThrowError(
      'path ("../flink") in container iceberg must be relative',
    );
  });

  it('fails on an azblob URL with a path', () => {
    expect(() => new Lake('acct', new Ledger('dev')).container('iceberg').path('warehouse').azblob()).toThrowError(
      'azblob URLs name a container only; location abfss://iceberg@acct.dfs.core.windows.net/warehouse has a path',
    );
  });
});
