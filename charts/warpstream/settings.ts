import * as z from 'zod/mini';
import { integer, pattern, rules, uniqueBy } from '../lib/validation';

const workload = {
  /** vCPUs requested; GOMAXPROCS is set to its ceiling (WarpStream sizes caches by it). */
  cpu: z.number().check(z.gte(0.25, 'must be >= 0.25 (a quarter vCPU)'), z.lte(64, 'must be <= 64')),
  /** Memory request and limit, GiB (kept equal, as WarpStream recommends). */
  memoryGiB: z.number().check(z.gte(0.5, 'must be >= 0.5 (GiB)'), z.lte(512, 'must be <= 512 (GiB)')),
  minReplicas: integer(1, 120),
  maxReplicas: integer(1, 120),
};

/** Settings of `components.warpstream` in an environment. */
export const warpstreamSettings = z
  .strictObject({
    /** Region of the virtual cluster's control plane, as the WarpStream console shows it. */
    region: pattern(/^[a-z]{2,}(-[a-z]+)+-?[0-9]+$/, 'must be a WarpStream control plane region such as eu-central-1'),
    /**
     * The agent image, imported into the environment's container registry
     * (`az acr import`, see README) and pinned by tag or digest.
     */
    image: rules.image,
    /**
     * WarpStream's production guard (chart `enforceProductionResourceRequirements`): at least
     * 4 GiB of memory per vCPU and whole vCPUs. Turn off only for small non-production setups.
     */
    enforceProductionResources: z.boolean(),
    /** Seconds the agent drains on shutdown (WARPSTREAM_GRACEFUL_SHUTDOWN_DURATION). */
    gracefulShutdownSeconds: z._default(integer(30, 3600), 300),
    agent: z.strictObject(workload),
    /** The BYOC Schema Registry: a second agent pool serving a `vci_sr_` virtual cluster. */
    schemaRegistry: z.strictObject({ ...workload, enabled: z.boolean() }),
    /**
     * The topics producers write and the sinks and jobs read. Topic auto-creation is off in
     * the platform's clients, so these are created ahead (by Kafka Connect's topics Job,
     * idempotently); a sink may read only declared topics.
     */
    topics: z._default(
      z.array(z.strictObject({ name: pattern(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name: letters, digits, ., _ and -'), partitions: integer(1, 10000) })).check(uniqueBy('name')),
      [],
    ),
  })
  .check(
    z.superRefine((s, ctx) => {
      for (const key of ['agent', 'schemaRegistry'] as const) {
        const w = s[key];
        if (w.maxReplicas < w.minReplicas) {
          ctx.addIssue({ code: 'custom', path: [key, 'maxReplicas'], message: `must be >= ${key}.minReplicas (${w.minReplicas})` });
        }
        // Sizes outside their own bounds are reported by them alone.
        if (!s.enforceProductionResources || !(w.cpu >= 0.25 && w.cpu <= 64 && w.memoryGiB >= 0.5 && w.memoryGiB <= 512)) continue;
        if (!Number.isInteger(w.cpu)) {
          ctx.addIssue({ code: 'custom', path: [key, 'cpu'], message: 'must be a whole number of vCPUs when enforceProductionResources is on' });
        }
        if (w.memoryGiB < 4 * w.cpu) {
          ctx.addIssue({ code: 'custom', path: [key, 'memoryGiB'], message: `must be at least 4 GiB per vCPU (${4 * w.cpu}) when enforceProductionResources is on` });
        }
      }
    }),
  );

export type WarpstreamSettings = z.output<typeof warpstreamSettings>;
