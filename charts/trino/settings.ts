import * as z from 'zod/mini';
import { integer, pattern, rules } from '../lib/validation';
import { heapMiB } from './memory';

const node = {
  cpu: z.number().check(z.gte(0.5, 'must be >= 0.5'), z.lte(64, 'must be <= 64')),
  /** Container memory limit (= request), GiB; the heap is a share of it (jvm.config). */
  memoryGiB: z.number().check(z.gte(2, 'must be >= 2 (GiB): Trino needs a heap of at least ~1.5 GiB'), z.lte(512, 'must be <= 512 (GiB)')),
};

/** A Trino user name; no regular-expression characters, so a name is matched literally in the access rules. */
const userName = pattern(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a lowercase user name: letters, digits, _ and -, at most 32');
const users = z.array(userName);

/** Settings of `components.trino` in an environment. */
export const trinoSettings = z
  .strictObject({
    /** trinodb/trino, imported into the environment registry; its tag is the Trino release (476; see README). */
    image: rules.image,
    coordinator: z.strictObject(node),
    workers: z.strictObject({ ...node, replicas: integer(1, 200) }),
    /**
     * Trino's query.max-memory: what one query may hold across all workers, GiB. Set here, never
     * derived from the worker count: the coordinator's configuration must not change when the
     * workers scale (a change restarts the coordinator, and every running query with it).
     */
    queryMaxMemoryGiB: z.number().check(z.gte(0.25, 'must be >= 0.25 (GiB)')),
    /** Trino's shutdown.grace-period: a stopping worker finishes its tasks in about twice this. */
    shutdownGracePeriodSeconds: z._default(integer(10, 3600), 120),
    /**
     * `password`: users sign in over HTTPS with a password file from Key Vault (the TLS
     * certificate also from Key Vault). `none`: anyone who reaches the coordinator is whoever
     * they say they are; dev only.
     */
    authentication: z.enum(['none', 'password']),
    /**
     * Who may do what (Trino file-based access control on the coordinator). Required with
     * `password`; refused with `none`, where anyone may claim any name. Each user is in one role:
     * administrators own everything, writers create, change and drop tables in the lakehouse,
     * readers only read it. Everyone else may not run queries at all.
     */
    access: z.optional(
      z.strictObject({
        administrators: users.check(z.minLength(1, 'must name at least one administrator')),
        writers: z._default(users, []),
        readers: z._default(users, []),
      }),
    ),
    /** The user whose preStop call drains a worker; the only one allowed to change a worker's state. */
    drainUser: z._default(userName, 'trino-drain'),
    /**
     * The user the metrics scraper reads `/metrics` as: it may read system information on every
     * node and nothing else (no catalog, no query). With `password` it signs in on the
     * coordinator's HTTPS port with the password in Key Vault `trino-metrics-password`, whose
     * hash must also be its line of `trino-password-db`.
     */
    metricsUser: z._default(userName, 'trino-metrics'),
  })
  .check(
    z.superRefine((s, ctx) => {
      // The tag is the Trino release: the boot test downloads that release and starts it with
      // the generated configuration, so an upgrade is this one change plus a green test run.
      if (!/:\d{3,}(@sha256:[a-f0-9]{64})?$/.test(s.image)) {
        ctx.addIssue({ code: 'custom', path: ['image'], message: 'must be tagged with the Trino release number, e.g. trinodb/trino:476', input: s.image });
      }
      // A query cannot hold more than the workers' per-node limits add up to (Trino's default
      // query.max-memory-per-node: 30 % of a worker's heap). Checked here; never written from the count.
      const workersQueryGiB = (heapMiB(s.workers.memoryGiB) * 0.3 * s.workers.replicas) / 1024;
      if (s.workers.memoryGiB >= 2 && s.queryMaxMemoryGiB > workersQueryGiB) {
        ctx.addIssue({ code: 'custom', path: ['queryMaxMemoryGiB'], message: `must be at most what the workers' query memory adds up to (${s.workers.replicas} x 30 % of the heap = ${workersQueryGiB.toFixed(2)} GiB)`, input: s.queryMaxMemoryGiB });
      }
      if (s.authentication === 'password' && !s.access) {
        ctx.addIssue({ code: 'custom', path: ['access'], message: 'must name the administrators, writers and readers when authentication is password', input: undefined });
      }
      if (s.authentication === 'none' && s.access) {
        ctx.addIssue({ code: 'custom', path: ['access'], message: 'must be absent when authentication is none: anyone could claim an administrator name', input: s.access });
      }
      if (s.metricsUser === s.drainUser) ctx.addIssue({ code: 'custom', path: ['metricsUser'], message: 'must differ from drainUser: the scraper must not be able to shut workers down', input: s.metricsUser });
      const seen = new Map<string, string>();
      for (const role of ['administrators', 'writers', 'readers'] as const) {
        for (const [i, user] of (s.access?.[role] ?? []).entries()) {
          const earlier = seen.get(user);
          if (earlier) ctx.addIssue({ code: 'custom', path: ['access', role, i], message: `is already in ${earlier}: a user has one role`, input: user });
          else if (user === s.drainUser) ctx.addIssue({ code: 'custom', path: ['access', role, i], message: 'is the drainUser, which only drains workers', input: user });
          else if (user === s.metricsUser) ctx.addIssue({ code: 'custom', path: ['access', role, i], message: 'is the metricsUser, which only reads metrics', input: user });
          else seen.set(user, role);
        }
      }
    }),
  );

export type TrinoSettings = z.output<typeof trinoSettings>;
