import * as z from 'zod/mini';
import { distinct, pattern } from './validation';

/**
 * Network paths from AKS to the storage account, Key Vault and registry, and the firewall
 * rules for people. Rules from the Azure Storage firewall documentation ("Configure Azure
 * Storage firewalls and virtual networks"), which Key Vault's firewall also accepts.
 */

const SUBNET_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Network\/virtualNetworks\/[-\w.]{2,64}\/subnets\/[-\w.]{1,80}$/i;
const RESOURCE_GROUP_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]{1,90}$/i;

export const subnetId = pattern(SUBNET_ID, 'must be a subnet resource ID: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>');

/** The virtual network of a subnet resource ID. */
export const virtualNetworkOf = (subnet: string) => subnet.replace(/\/subnets\/[^/]+$/i, '');

/** Blocks the storage firewall refuses in IP rules (RFC 1918) or that are not public addresses at all. */
const NOT_PUBLIC: [number, number, string][] = [
  [0x0a000000, 8, 'private (RFC 1918)'],
  [0xac100000, 12, 'private (RFC 1918)'],
  [0xc0a80000, 16, 'private (RFC 1918)'],
  [0x7f000000, 8, 'loopback'],
  [0xa9fe0000, 16, 'link-local'],
  [0x00000000, 8, 'not routable'],
];

/** Why `rule` cannot be a storage or Key Vault IP rule, or undefined when it can. */
export function ipRuleProblem(rule: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(rule);
  if (!m) return 'must be a public IPv4 address or CIDR range such as 203.0.113.0/24';
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return 'must have octets of 0-255';
  if (m[5] !== undefined) {
    const prefix = Number(m[5]);
    if (prefix > 32) return 'must be a public IPv4 address or CIDR range such as 203.0.113.0/24';
    if (prefix === 31 || prefix === 32) return 'must not use a /31 or /32 prefix (the storage firewall refuses them): write the single addresses instead';
    if (prefix < 8) return 'must not be wider than /8: it would open the lake to a large part of the internet';
  }
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  for (const [base, bits, what] of NOT_PUBLIC) {
    if (Math.floor(address / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits))) {
      return `must be a public address; ${rule} is ${what}, which the firewall refuses (reach private networks through aksSubnetIds or privateEndpoints)`;
    }
  }
  return undefined;
}

const ipRule = z.string().check(
  z.superRefine((rule: string, ctx) => {
    const problem = ipRuleProblem(rule);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: rule });
  }),
);

export const networkSchema = z
  .strictObject({
    /** `Disabled`: storage, Key Vault and registry are reached only through privateEndpoints. */
    publicNetworkAccess: z.enum(['Enabled', 'Disabled']),
    /** Public IPv4 addresses or ranges of people and tools, let through the firewalls. */
    allowedIpRanges: z._default(z.array(ipRule).check(distinct()), []),
    /**
     * AKS node subnets let through the storage and Key Vault firewalls by VNet rules. Their
     * service endpoints `Microsoft.Storage` and `Microsoft.KeyVault` must be on (the network
     * team's subnet, not created here).
     */
    aksSubnetIds: z._default(z.array(subnetId).check(distinct()), []),
    /**
     * Public addresses AKS egresses from (its outbound load balancer IPs:
     * `az aks show --query networkProfile.loadBalancerProfile.effectiveOutboundIPs`). Services
     * without VNet rules, such as PostgreSQL flexible server, admit exactly these when there are
     * no privateEndpoints.
     */
    aksEgressIps: z._default(
      z
        .array(ipRule.check(z.regex(/^[\d.]+$/, 'must be a single address (firewall rules here take addresses, not ranges)')))
        // bicep/modules/postgres.bicep names each firewall rule by its address.
        .check(distinct('Azure refuses a deployment that declares one PostgreSQL firewall rule twice')),
      [],
    ),
    /** Private endpoints for blob, dfs, vault, registry and database, each registered in its privatelink DNS zone. */
    privateEndpoints: z.optional(
      z.strictObject({
        subnetId,
        /**
         * Resource group of existing privatelink zones (typically the hub's). Absent: the zones
         * are created in the environment's resource group and linked to the subnet's network.
         */
        dnsZoneResourceGroupId: z.optional(pattern(RESOURCE_GROUP_ID, 'must be a resource group ID: /subscriptions/<id>/resourceGroups/<rg>')),
      }),
    ),
  })
  .check(
    z.superRefine((network, ctx) => {
      if (network.publicNetworkAccess === 'Disabled' && !network.privateEndpoints) {
        ctx.addIssue({ code: 'custom', path: ['privateEndpoints'], message: "is required when network.publicNetworkAccess is 'Disabled'", input: undefined });
      }
      if (network.publicNetworkAccess === 'Disabled' && network.allowedIpRanges.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['allowedIpRanges'], message: "must be empty when network.publicNetworkAccess is 'Disabled': IP rules apply to the public endpoint only", input: network.allowedIpRanges });
      }
      if (!network.privateEndpoints && network.aksSubnetIds.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['aksSubnetIds'],
          message: 'must name the AKS node subnets when there are no privateEndpoints: the storage and Key Vault firewalls deny everything else, so pods would have no path to them',
          input: network.aksSubnetIds,
        });
      }
    }),
  );

export type Network = z.output<typeof networkSchema>;
