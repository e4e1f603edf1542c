import * as z from 'zod/mini';
import { operatorNamespaces, workloadNamespaces } from './namespaces';
import { networkSchema } from './network';
import { integer, pattern, rules } from './validation';
import { monitoringSettings } from '../monitoring/settings';

const platformNamespaces: string[] = [...Object.values(workloadNamespaces), ...Object.values(operatorNamespaces)].sort();

/** Azure facts of one environment: where the platform's Azure resources live and what they are called. */
export const azureSchema = z
  .strictObject({
    tenantId: rules.guid,
    subscriptionId: rules.guid,
    resourceGroup: rules.resourceGroupName,
    location: rules.location,
    /** The existing AKS cluster: Bicep reads its OIDC issuer URL and kubelet identity from it. */
    aks: z.strictObject({
      clusterName: pattern(/^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/, 'must be 2-63 letters, digits, - and _ (AKS cluster name rule)'),
      resourceGroup: rules.resourceGroupName,
    }),
    /** Prefix of every Azure resource name the platform creates, e.g. the managed identities `id-<prefix>-<identity>`. */
    namePrefix: pattern(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, 'must be 3-32 lowercase letters, digits and hyphens'),
    storageAccountName: rules.storageAccountName,
    keyVaultName: rules.keyVaultName,
    containerRegistryName: rules.containerRegistryName,
    /** How AKS pods and people reach storage, Key Vault and the registry (docs/azure.md, "Network paths"). */
    network: networkSchema,
    /** Log Analytics workspace that receives diagnostic logs; none are sent when absent. */
    logAnalyticsWorkspaceId: z.optional(rules.logAnalyticsWorkspaceId),
    /**
     * Tags on every Azure resource. Azure's limits (learn.microsoft.com, "Use tags to organize
     * your Azure resources", Limitations): at most 50; names up to 128 characters for a storage
     * account (512 elsewhere) without < > % & \\ ? /, and not starting with microsoft, azure or
     * windows (reserved); values up to 256 characters.
     */
    tags: z._default(
      z
        .record(
          z.string().check(
            z.regex(/^[^<>%&\\?/]+$/, 'must not contain < > % & \\ ? or / (Azure refuses these in tag names)'),
            z.maxLength(128, 'must be at most 128 characters (the storage account limit for tag names)'),
            z.refine((n: string) => !/^(microsoft|azure|windows)/i.test(n), 'must not start with microsoft, azure or windows (reserved by Azure)'),
          ),
          z.string().check(z.maxLength(256, 'must be at most 256 characters (Azure tag value limit)')),
        )
        .check(z.refine((t: Record<string, string>) => Object.keys(t).length <= 50, 'must have at most 50 tags (Azure limit per resource)')),
      {},
    ),
  });

/** Protections against losing data: retention and locks. */
export const protectionSchema = z.strictObject({
  /** A CanNotDelete lock on the storage account and Key Vault. */
  deleteLock: z.boolean(),
  blobSoftDeleteDays: integer(1, 365),
  containerSoftDeleteDays: integer(1, 365),
  /**
   * Key Vault soft-delete retention. Fixed when the vault is created: synth refuses a value
   * that differs from the deployed one (environments/<env>.azure.json keyVaultSoftDeleteDays).
   */
  keyVaultSoftDeleteDays: integer(7, 90),
  /** Key Vault purge protection: always on, and Azure cannot turn it off once it is. Written out so nobody expects otherwise. */
  keyVaultPurgeProtection: z.literal(true, 'must be true: purge protection cannot be turned off once a vault has it'),
});

export const gitopsSchema = z.strictObject({
  /** The Git repository Argo CD syncs `dist/<env>/` from. */
  repoURL: pattern(/^(https:\/\/|ssh:\/\/|git@)[^\s]+$/, 'must be an https://, ssh:// or git@ Git URL'),
  /** A branch, tag or commit; Argo CD does not trim it, so whitespace would name no revision. */
  targetRevision: pattern(/^[^\s]{1,255}$/, 'must be a branch, tag or commit SHA without whitespace'),
  /** Where Argo CD runs; never a namespace of the platform (its Applications would be pruned with them). */
  argocdNamespace: z._default(
    rules.dnsLabel.check(
      z.refine((ns: string) => !platformNamespaces.includes(ns), `must not be a namespace of the platform (${platformNamespaces.join(', ')})`),
    ),
    'argocd',
  ),
  destinationServer: z._default(pattern(/^https:\/\/[^\s]+$/, 'must be an https:// Kubernetes API URL'), 'https://kubernetes.default.svc'),
});

/** Settings of the third-party operators installed from their Helm charts. */
export const operatorsSchema = z.strictObject({
  /** Run operators with two replicas and leader election where the chart supports it. */
  highAvailability: z.boolean(),
});

export const baseEnvironmentShape = {
  name: pattern(/^[a-z][a-z0-9]{1,9}$/, 'must be 2-10 lowercase letters and digits, starting with a letter'),
  azure: azureSchema,
  protection: protectionSchema,
  gitops: gitopsSchema,
  operators: operatorsSchema,
  /** Azure Monitor managed Prometheus, Managed Grafana, alerts and dashboards (docs/monitoring.md); none when absent. */
  monitoring: z.optional(monitoringSettings),
};

const baseEnvironmentSchema = z.strictObject(baseEnvironmentShape);

/** The parts of an environment every chart may read; component settings are typed by their own charts. */
export type BaseEnvironment = z.output<typeof baseEnvironmentSchema>;
