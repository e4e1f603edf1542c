/**
 * Azure built-in roles the platform assigns, by name, with their role-definition GUIDs.
 * GUIDs from the Azure built-in roles reference (also AVM `builtInRoleNames` maps);
 * bicep/types.bicep carries the same table and a test proves the two agree.
 */
export const storageDataRoles = {
  /** Read and list blobs. */
  'Storage Blob Data Reader': { id: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1', write: false },
  /** Read, write and delete blobs; no ACL or ownership changes. */
  'Storage Blob Data Contributor': { id: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe', write: true },
} as const;

export const storageAccountRoles = {
  /** Get a user delegation key (account-level action), needed to sign user delegation SAS. */
  'Storage Blob Delegator': { id: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a' },
} as const;

export const keyVaultRoles = {
  /** Read secret contents. */
  'Key Vault Secrets User': { id: '4633458b-17de-408a-b874-0445c86b69e6' },
  /** Read and write secrets (no keys, certificates or access policy): the Polaris catalog creator stores consumer credentials. */
  'Key Vault Secrets Officer': { id: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7' },
} as const;

export type StorageDataRole = keyof typeof storageDataRoles;
export type StorageAccountRole = keyof typeof storageAccountRoles;
export type KeyVaultRole = keyof typeof keyVaultRoles;

/** How a workload touches a storage location. */
export type Access = 'read' | 'readWrite';

export function roleAllows(role: StorageDataRole, access: Access): boolean {
  return access === 'read' || storageDataRoles[role].write;
}
