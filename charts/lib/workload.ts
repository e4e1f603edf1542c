import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';

/** Memory in GiB as a Kubernetes quantity: whole Gi, else whole Mi (never `1e-7Gi`). */
export function quantityGiB(gib: number): string {
  if (Number.isInteger(gib)) return `${gib}Gi`;
  return `${Math.round(gib * 1024)}Mi`;
}

/** CPU cores as a Kubernetes quantity: whole cores, else whole millicores. */
export function quantityCpu(cores: number): string {
  if (Number.isInteger(cores)) return String(cores);
  return `${Math.round(cores * 1000)}m`;
}

/** A stable digest of configuration: a change rolls the pods. */
export function checksum(data: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

/** The pod security context of the Restricted Pod Security Standard, as a given user. */
export function restrictedPod(uid: number, gid = uid): k8s.PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid, seccompProfile: { type: 'RuntimeDefault' } };
}

/** The container security context of the Restricted Pod Security Standard, read-only root. */
export const restrictedContainer: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

/** Requests equal to limits for memory (no overcommit); CPU requested, not limited. */
export function resources(cpu: number, memoryGiB: number): k8s.ResourceRequirements {
  const memory = k8s.Quantity.fromString(quantityGiB(memoryGiB));
  return {
    requests: { cpu: k8s.Quantity.fromString(quantityCpu(cpu)), memory, 'ephemeral-storage': k8s.Quantity.fromString('100Mi') },
    limits: { memory },
  };
}

const port = (n: number) => k8s.IntOrString.fromNumber(n);

/** NetworkPolicy peers: namespaces by name. */
export const namespacesPeer = (names: readonly string[]): k8s.NetworkPolicyPeer => ({
  namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...names].sort() }] },
});

/** Egress to the cluster DNS. */
export const dnsEgress: k8s.NetworkPolicyEgressRule = {
  to: [namespacesPeer(['kube-system'])],
  ports: [
    { protocol: 'UDP', port: port(53) },
    { protocol: 'TCP', port: port(53) },
  ],
};

/** Egress on TCP ports to anywhere (Azure endpoints have no stable addresses; FQDN rules need Cilium). */
export const tcpEgress = (...ports: number[]): k8s.NetworkPolicyEgressRule => ({ ports: ports.map((p) => ({ protocol: 'TCP', port: port(p) })) });

/**
 * Spread a workload's pods across zones and hosts. `requireZones`: replicas must land in
 * different zones (a pod waits rather than share a zone); otherwise the scheduler only tries.
 */
export function spreadAcrossZones(selector: Record<string, string>, requireZones = false): k8s.TopologySpreadConstraint[] {
  return ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable: requireZones && topologyKey === 'topology.kubernetes.io/zone' ? 'DoNotSchedule' : 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
    matchLabelKeys: ['pod-template-hash'],
  }));
}

/** Name, namespace and labels shared by a workload's objects. */
export interface WorkloadMetadata {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

/**
 * A workload's budget and network policy: one pod may be evicted at a time (drains, node
 * upgrades), and only the traffic the rules name reaches or leaves its pods.
 */
export function budgetAndPolicy(
  scope: Construct,
  metadata: WorkloadMetadata,
  selector: Record<string, string>,
  rules: { readonly ingress: k8s.NetworkPolicyIngressRule[]; readonly egress: k8s.NetworkPolicyEgressRule[] },
): void {
  new k8s.KubePodDisruptionBudget(scope, 'pdb', { metadata: { ...metadata }, spec: { maxUnavailable: port(1), selector: { matchLabels: selector } } });
  new k8s.KubeNetworkPolicy(scope, 'network-policy', {
    metadata: { ...metadata },
    spec: { podSelector: { matchLabels: selector }, policyTypes: ['Ingress', 'Egress'], ingress: rules.ingress, egress: rules.egress },
  });
}
