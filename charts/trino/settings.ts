import * as z from 'zod/mini';
import { integer, pattern, rules } from '../lib/validation';

const node = {
  cpu: z.number().check(z.gte(0.5, 'must be >= 0.5'), z.lte(64, 'must be <= 64')),
  /** Container memory limit (= request), GiB; the heap is a share of it (jvm.config). */
  memoryGiB: z.number().check(z.gte(2, 'must be >= 2 (GiB): Trino needs a heap of at least ~1.5 GiB'), z.lte(512, 'must be <= 512 (GiB)')),
};

/** Settings of `components.trino` in an environment. */
export const trinoSettings = z
  .strictObject({
    /** trinodb/trino, imported into the environment registry; its tag is the Trino release (476; see README). */
    image: rules.image,
    coordinator: z.strictObject(node),
    workers: z.strictObject({ ...node, replicas: integer(1, 200) }),
    /** Trino's shutdown.grace-period: a stopping worker finishes its tasks in about twice this. */
    shutdownGracePeriodSeconds: z._default(integer(10, 3600), 120),
    /**
     * `password`: users sign in over HTTPS with a password file from Key Vault (the TLS
     * certificate also from Key Vault). `none`: anyone who reaches the coordinator is whoever
     * they say they are; dev only.
     */
    authentication: z.enum(['none', 'password']),
    /** Namespace-wide user name Trino's workers use for the graceful-shutdown call. */
    adminUser: z._default(pattern(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a lowercase user name'), 'admin'),
  })
  .check(
    z.superRefine((s, ctx) => {
      // The tag is the Trino release: the boot test downloads that release and starts it with
      // the generated configuration, so an upgrade is this one change plus a green test run.
      if (!/:\d{3,}(@sha256:[a-f0-9]{64})?$/.test(s.image)) {
        ctx.addIssue({ code: 'custom', path: ['image'], message: 'must be tagged with the Trino release number, e.g. trinodb/trino:476', input: s.image });
      }
    }),
  );

export type TrinoSettings = z.output<typeof trinoSettings>;
