import { roleAllows, StorageDataRole } from '../charts/lib/roles';
import { LedgerJson, MAX_SUBJECTS_PER_IDENTITY } from '../charts/lib/ledger';

const USE_LABEL = 'azure.workload.identity/use';
const CLIENT_ID = 'azure.workload.identity/client-id';
const LOCATION = /\b(abfss:\/\/([a-z0-9-]+)@([a-z0-9]+)\.dfs\.core\.windows\.net\/[^\s"',;]*|azblob:\/\/([a-z0-9-]+))/g;

interface PodTemplate {
  readonly owner: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly serviceAccount?: string;
}

/** Pod templates of built-in workloads and of the operator CRs we render. */
export function podTemplates(objects: readonly Record<string, any>[]): PodTemplate[] {
  const templates: PodTemplate[] = [];
  for (const o of objects) {
    const owner = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    const ns = o.metadata.namespace;
    const spec = o.spec ?? {};
    const add = (meta: any, podSpec: any, sa?: string) =>
      templates.push({ owner, namespace: ns, labels: meta?.labels ?? {}, serviceAccount: sa ?? podSpec?.serviceAccountName });
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind)) add(spec.template?.metadata, spec.template?.spec);
    if (o.kind === 'CronJob') add(spec.jobTemplate?.spec?.template?.metadata, spec.jobTemplate?.spec?.template?.spec);
    if (o.kind === 'Pod') add(o.metadata, spec);
    // Flink operator: spec.serviceAccount runs JM and TM; the label sits in spec.podTemplate.
    if (o.kind === 'FlinkDeployment') add(spec.podTemplate?.metadata, undefined, spec.serviceAccount);
    // Strimzi fixes the service account name to <name>-connect.
    if (o.kind === 'KafkaConnect') add(spec.template?.pod?.metadata, undefined, `${o.metadata.name}-connect`);
  }
  return templates;
}

/** Every Azure Data Lake location written anywhere in an object. */
export function locationsIn(value: unknown): { url: string; container: string; account?: string }[] {
  const found: { url: string; container: string; account?: string }[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(LOCATION)) found.push({ url: m[1], container: m[2] ?? m[4], account: m[3] });
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return found;
}

/**
 * The contract between dist/, the ledger and the captured outputs. Each violation is a
 * sentence that says what to fix.
 */
export function contractViolations(
  objects: readonly Record<string, any>[],
  ledger: LedgerJson,
  outputs: { storageAccountName: string; identities: Record<string, { clientId: string }> },
): string[] {
  const problems: string[] = [];
  const subjectOwner = new Map<string, LedgerJson['identities'][number]>();
  for (const identity of ledger.identities) {
    for (const s of identity.subjects) subjectOwner.set(`${s.namespace}/${s.serviceAccount}`, identity);
    if (identity.subjects.length > MAX_SUBJECTS_PER_IDENTITY) {
      problems.push(`identity ${identity.name} has ${identity.subjects.length} federated subjects; Azure allows ${MAX_SUBJECTS_PER_IDENTITY}`);
    }
  }
  const serviceAccounts = new Map(
    objects.filter((o) => o.kind === 'ServiceAccount').map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]),
  );
  // Strimzi creates the KafkaConnect service account <name>-connect with the template's metadata.
  for (const o of objects.filter((x) => x.kind === 'KafkaConnect')) {
    serviceAccounts.set(`${o.metadata.namespace}/${o.metadata.name}-connect`, { metadata: { ...o.spec?.template?.serviceAccount?.metadata } });
  }

  // Pods that ask for a token run under a federated, annotated service account.
  for (const t of podTemplates(objects)) {
    if (t.labels[USE_LABEL] !== 'true') continue;
    const key = `${t.namespace}/${t.serviceAccount ?? 'default'}`;
    const identity = subjectOwner.get(key);
    if (!identity) {
      problems.push(`${t.owner} is labelled for workload identity but its service account ${key} is no subject of any ledger identity; grant it through a WorkloadIdentity`);
      continue;
    }
    const sa = serviceAccounts.get(key);
    const expected = outputs.identities[identity.name]?.clientId;
    const actual = sa?.metadata?.annotations?.[CLIENT_ID];
    if (!sa) problems.push(`${t.owner} runs as service account ${key}, which dist/ does not create`);
    else if (actual !== expected) {
      problems.push(`service account ${key} has client-id ${actual} but the outputs give identity ${identity.name} client-id ${expected}; synth again after deploy`);
    }
  }

  // Every federated subject has its service account (no orphan federated credential).
  for (const [key, identity] of subjectOwner) {
    if (!serviceAccounts.has(key)) problems.push(`ledger identity ${identity.name} federates ${key}, but dist/ has no such service account`);
  }

  // Every location lies in a granted container of an identity used in its namespace.
  const usedGrants = new Set<string>();
  for (const o of objects) {
    const ns = o.metadata.namespace;
    for (const loc of locationsIn(o)) {
      const where = `${o.kind}/${ns ?? ''}/${o.metadata.name}`;
      if (loc.account && loc.account !== outputs.storageAccountName) {
        problems.push(`${where} uses ${loc.url} on account ${loc.account}, not the environment's ${outputs.storageAccountName}`);
        continue;
      }
      const candidates = ledger.identities.filter((i) => i.subjects.some((s) => s.namespace === ns));
      const declared = candidates.flatMap((i) => i.locations.filter((l) => l.url === loc.url).map((l) => ({ identity: i, use: l })));
      if (declared.length === 0) {
        problems.push(`${where} uses ${loc.url}, which no identity of namespace ${ns} declares; obtain locations from a grant, never by hand`);
        continue;
      }
      for (const { identity, use } of declared) {
        const grant = identity.storage.find((g) => g.container === loc.container);
        if (!grant) problems.push(`${where} uses ${loc.url} but identity ${identity.name} holds no grant on container ${loc.container}`);
        else if (!roleAllows(grant.role as StorageDataRole, use.access)) {
          problems.push(`${where} writes ${loc.url} but identity ${identity.name} holds only ${grant.role}`);
        } else usedGrants.add(`${identity.name}/${loc.container}`);
      }
    }
  }

  // No grant that nothing uses.
  for (const identity of ledger.identities) {
    for (const g of identity.storage) {
      if (!usedGrants.has(`${identity.name}/${g.container}`)) {
        problems.push(`identity ${identity.name} holds ${g.role} on container ${g.container}, but nothing in its namespaces uses that container; remove the grant`);
      }
    }
    const isSubject = (ns: string, sa: string | undefined) => identity.subjects.some((s) => s.namespace === ns && s.serviceAccount === (sa ?? 'default'));
    const runsPods = podTemplates(objects).some((t) => t.labels[USE_LABEL] === 'true' && isSubject(t.namespace, t.serviceAccount));
    if (identity.keyVault.length > 0 || identity.keyVaultSecrets.length > 0) {
      const storeUses = objects.some((o) => {
        const ref = o.spec?.provider?.azurekv?.serviceAccountRef;
        return ref && isSubject(ref.namespace, ref.name);
      });
      // Reading secrets is for secret stores; writing them (Secrets Officer) for a pod of the identity.
      const writes = [...identity.keyVault, ...identity.keyVaultSecrets].some((g) => g.role !== 'Key Vault Secrets User');
      if (!storeUses && !(writes && runsPods)) problems.push(`identity ${identity.name} holds a Key Vault role, but no secret store authenticates as it and no pod of it uses the vault`);
    }
    // Account-scoped roles: a user delegation key signs SAS only as far as a data role reaches.
    for (const g of identity.storageAccount) {
      if (identity.storage.length === 0) problems.push(`identity ${identity.name} holds ${g.role} at account scope but no data role on any container: the SAS it signs could reach nothing`);
      if (!runsPods) problems.push(`identity ${identity.name} holds ${g.role} at account scope, but no pod runs as it`);
    }
  }
  for (const c of ledger.containers) {
    if (!ledger.identities.some((i) => i.storage.some((g) => g.container === c))) problems.push(`container ${c} is in the ledger but no identity is granted on it`);
  }
  return problems;
}
