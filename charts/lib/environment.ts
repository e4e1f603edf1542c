import { z } from 'zod';
import { rules } from './validation';

/** Azure facts of one environment: where the platform's Azure resources live and what they are called. */
export const azureSchema = z
  .strictObject({
    tenantId: rules.guid,
    subscriptionId: rules.guid,
    resourceGroup: rules.resourceGroupName,
    location: rules.location,
    /** The existing AKS cluster: Bicep reads its OIDC issuer URL and kubelet identity from it. */
    aks: z.strictObject({
      clusterName: z.string().regex(/^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/, 'must be 2-63 letters, digits, - and _ (AKS cluster name rule)'),
      resourceGroup: rules.resourceGroupName,
    }),
    /** Prefix of every Azure resource name the platform creates, e.g. the managed identities `id-<prefix>-<identity>`. */
    namePrefix: z.string().regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, 'must be 3-32 lowercase letters, digits and hyphens'),
    storageAccountName: rules.storageAccountName,
    keyVaultName: rules.keyVaultName,
    containerRegistryName: rules.containerRegistryName,
    network: z.strictObject({
      /** `Disabled` requires `privateEndpointSubnetId`: storage and Key Vault are then reached only through private endpoints. */
      publicNetworkAccess: z.enum(['Enabled', 'Disabled']),
      /** Public IPv4 ranges allowed through the storage and Key Vault firewalls when public access is enabled. */
      allowedIpRanges: z.array(rules.cidr).default([]),
      privateEndpointSubnetId: rules.resourceId.optional(),
    }),
    /** Log Analytics workspace that receives diagnostic logs; none are sent when absent. */
    logAnalyticsWorkspaceId: rules.resourceId.optional(),
    tags: z.record(z.string(), z.string()).default({}),
  })
  .superRefine((azure, ctx) => {
    if (azure.network.publicNetworkAccess === 'Disabled' && !azure.network.privateEndpointSubnetId) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'privateEndpointSubnetId'],
        message: "is required when network.publicNetworkAccess is 'Disabled'",
      });
    }
  });

/** Protections against losing data: retention and locks. */
export const protectionSchema = z.strictObject({
  /** A CanNotDelete lock on the storage account and Key Vault. */
  deleteLock: z.boolean(),
  blobSoftDeleteDays: z.number().int().min(1).max(365),
  containerSoftDeleteDays: z.number().int().min(1).max(365),
  keyVaultSoftDeleteDays: z.number().int().min(7).max(90),
});

export const gitopsSchema = z.strictObject({
  /** The Git repository Argo CD syncs `dist/<env>/` from. */
  repoURL: z.string().regex(/^(https:\/\/|ssh:\/\/|git@)[^\s]+$/, 'must be an https://, ssh:// or git@ Git URL'),
  targetRevision: z.string().min(1),
  argocdNamespace: rules.dnsLabel.default('argocd'),
  destinationServer: z.string().regex(/^https:\/\/[^\s]+$/, 'must be an https:// Kubernetes API URL').default('https://kubernetes.default.svc'),
});

/** Settings of the third-party operators installed from their Helm charts. */
export const operatorsSchema = z.strictObject({
  /** Run operators with two replicas and leader election where the chart supports it. */
  highAvailability: z.boolean(),
});

export const baseEnvironmentShape = {
  name: z.string().regex(/^[a-z][a-z0-9]{1,9}$/, 'must be 2-10 lowercase letters and digits, starting with a letter'),
  azure: azureSchema,
  protection: protectionSchema,
  gitops: gitopsSchema,
  operators: operatorsSchema,
};

const baseEnvironmentSchema = z.strictObject(baseEnvironmentShape);

/** The parts of an environment every chart may read; component settings are typed by their own charts. */
export type BaseEnvironment = z.output<typeof baseEnvironmentSchema>;
export type AzureSettings = z.output<typeof azureSchema>;
