import { describe, expect, it } from 'vitest';
import { envNames, objects, synthOne } from './helpers';

/** Does a label selector (matchLabels only, as we render them) select these labels? */
const selects = (selector: any, labels: Record<string, string>) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

// What a platform engineer expects of every long-running workload we render, whoever adds it.
describe.each(envNames)('every workload in %s', (env) => {
  const all = objects(synthOne(env));
  const workloads = all.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));

  it('exists (the policy is not vacuous)', () => {
    expect(workloads.length).toBeGreaterThan(0);
  });

  describe.each(workloads.map((w) => [`${w.kind}/${w.metadata.namespace}/${w.metadata.name}`, w]))('%s', (_, w: any) => {
    const pod = w.spec.template;
    const sameNamespace = (kind: string) => all.filter((o) => o.kind === kind && o.metadata.namespace === w.metadata.namespace);

    it('probes readiness and liveness, requests CPU and memory and limits memory', () => {
      for (const c of pod.spec.containers) {
        expect(c.readinessProbe, c.name).toBeDefined();
        expect(c.livenessProbe, c.name).toBeDefined();
        expect(c.resources?.requests?.cpu, c.name).toBeDefined();
        expect(c.resources?.requests?.memory, c.name).toBeDefined();
        expect(c.resources?.limits?.memory, c.name).toBeDefined();
      }
    });

    it('runs under the restricted pod security standard', () => {
      expect(pod.spec.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.spec.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
      for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
        expect(c.securityContext?.allowPrivilegeEscalation, c.name).toBe(false);
        expect(c.securityContext?.capabilities?.drop, c.name).toEqual(['ALL']);
        expect(c.securityContext?.privileged, c.name).not.toBe(true);
      }
      expect(pod.spec.hostNetwork).not.toBe(true);
    });

    it('mounts the Kubernetes API token only when its service account is bound to a role', () => {
      const sa = pod.spec.serviceAccountName;
      const bound = all.some(
        (o) => ['RoleBinding', 'ClusterRoleBinding'].includes(o.kind) && o.subjects?.some((s: any) => s.kind === 'ServiceAccount' && s.name === sa && s.namespace === w.metadata.namespace),
      );
      expect(typeof pod.spec.automountServiceAccountToken).toBe('boolean');
      if (pod.spec.automountServiceAccountToken) expect(bound).toBe(true);
    });

    it('is covered by a PodDisruptionBudget and a NetworkPolicy', () => {
      expect(sameNamespace('PodDisruptionBudget').some((p) => selects(p.spec.selector, pod.metadata.labels))).toBe(true);
      expect(sameNamespace('NetworkPolicy').some((p) => selects(p.spec.podSelector, pod.metadata.labels))).toBe(true);
    });

    it('rolls when a ConfigMap it reads changes', () => {
      const readsConfig = pod.spec.containers.some((c: any) => (c.envFrom ?? []).some((e: any) => e.configMapRef));
      if (readsConfig) expect(pod.metadata.annotations?.['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    });

    it('gets its images from the environment registry', () => {
      for (const c of pod.spec.containers) expect(c.image, c.name).toMatch(/^[a-z0-9]+\.azurecr\.io\//);
    });
  });
});
