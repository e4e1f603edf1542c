import * as z from 'zod/mini';
import { distinct, integer, pattern, regex, rules, uniqueBy } from '../lib/validation';

const topic = pattern(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name: letters, digits, ., _ and -');
const identifier = pattern(/^[a-z][a-z0-9_]{0,62}$/, 'must be a lowercase identifier');

/** One Iceberg sink: which topics land in which tables. */
const sink = z
  .strictObject({
    /** Connector name (KafkaConnector metadata.name). */
    name: pattern(/^[a-z][a-z0-9-]{1,50}$/, 'must be a lowercase connector name'),
    /** Topics to read; or `topicsRegex`. */
    topics: z._default(z.array(topic).check(distinct()), []),
    topicsRegex: z.optional(regex),
    /** Every record into this table (`<namespace>.<table>`); or `routeField`. */
    table: z.optional(pattern(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, 'must be <namespace>.<table>, lowercase')),
    /** The record field naming the table (`<namespace>.<table>`) each record goes to (dynamic routing). */
    routeField: z.optional(identifier),
    /** Namespace of the tables a routed sink may write; the Polaris grants must cover it. */
    namespace: identifier,
    autoCreateTables: z._default(z.boolean(), true),
    evolveSchema: z._default(z.boolean(), true),
    /** How often the sink commits to Iceberg (iceberg.control.commit.interval-ms). */
    commitIntervalSeconds: z._default(integer(10, 3600), 300),
    tasksMax: z._default(integer(1, 100), 1),
    /**
     * How many times Strimzi restarts a failed connector or task before leaving it failed
     * (KafkaConnector autoRestart.maxRestarts). 7 restarts span about two hours of Strimzi's
     * back-off (after 0, 2, 6, 12, 20, 30 and 42 minutes): long enough to ride out a catalog
     * outage, short enough that a record failing inside the sink does not loop forever.
     */
    maxRestarts: z._default(integer(1, 100), 7),
  })
  .check(
    z.superRefine((s, ctx) => {
      if ((s.topics.length > 0) === (s.topicsRegex !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['topics'], message: 'must be given, or topicsRegex, not both', input: s.topics });
      }
      if ((s.table !== undefined) === (s.routeField !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['table'], message: 'must be given, or routeField, not both', input: s.table });
      }
      if (s.table && s.table.split('.')[0] !== s.namespace) {
        ctx.addIssue({ code: 'custom', path: ['table'], message: `must be in namespace ${s.namespace}`, input: s.table });
      }
    }),
  );

/** Settings of `components.kafka-connect` in an environment. */
export const kafkaConnectSettings = z.strictObject({
  /** The image built from images/kafka-connect (npm run build-image), in the environment registry. */
  image: rules.image,
  replicas: integer(1, 20),
  cpu: z.number().check(z.gte(0.5, 'must be >= 0.5'), z.lte(32, 'must be <= 32')),
  memoryGiB: z.number().check(z.gte(1, 'must be >= 1 (GiB)'), z.lte(128, 'must be <= 128 (GiB)')),
  /** Replication factor of Connect's topics and the sink's control topic. */
  replicationFactor: z._default(integer(1, 5), 3),
  sinks: z.array(sink).check(z.minLength(1, 'must declare at least one sink'), uniqueBy('name')),
});

export type KafkaConnectSettings = z.output<typeof kafkaConnectSettings>;
export type SinkSettings = KafkaConnectSettings['sinks'][number];
