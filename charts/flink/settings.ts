import * as z from 'zod/mini';
import { LAKE_PATH_SEGMENT } from '../lib/lake';
import { integer, pattern, rules } from '../lib/validation';

const pod = {
  cpu: z.number().check(z.gte(0.25, 'must be >= 0.25'), z.lte(32, 'must be <= 32')),
  /** The Flink process memory (jobmanager/taskmanager.memory.process.size), equal to the container limit. */
  memoryGiB: z.number().check(z.gte(1, 'must be >= 1 (GiB): Flink needs its JVM overhead and metaspace'), z.lte(256, 'must be <= 256 (GiB)')),
};
const taskManager = {
  ...pod,
  slots: integer(1, 64),
  /** The TaskManager's local disk for RocksDB (a generic ephemeral volume on the cluster's default storage class). */
  localStateGiB: z._default(integer(1, 1024), 10),
};
const appName = pattern(/^[a-z][a-z0-9-]{1,30}$/, 'must be a lowercase name of at most 31 characters');

/** One application-mode deployment. */
const application = z.strictObject({
  name: appName,
  /** The job jar inside the `flink` container, e.g. jobs/orders-1.4.0.jar. */
  jar: pattern(new RegExp(`^(?:${LAKE_PATH_SEGMENT}/)*${LAKE_PATH_SEGMENT}\\.jar$`), 'must be a path to a .jar inside the flink container, with no . or .. segment, e.g. jobs/orders-1.4.0.jar'),
  entryClass: pattern(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/, 'must be a fully qualified Java class name'),
  args: z._default(z.array(z.string()), []),
  parallelism: integer(1, 1024),
  jobManager: z.strictObject(pod),
  taskManager: z.strictObject(taskManager),
  /** How the operator carries state across upgrades; savepoint (the default) never loses state. */
  upgradeMode: z._default(z.enum(['savepoint', 'last-state', 'stateless']), 'savepoint'),
  checkpointIntervalSeconds: z._default(integer(5, 3600), 60),
  /**
   * The job reads or writes Iceberg tables through Polaris: its pods get the credentials of the
   * Polaris consumer `flink-<name>` (which components.polaris.consumers must declare) and data
   * access to the catalog's tables.
   */
  catalog: z._default(z.boolean(), false),
});

/** Settings of `components.flink` in an environment. */
export const flinkSettings = z.strictObject({
  /** The image built from images/flink (npm run build-image), in the environment registry; Flink 1.20.0. */
  image: rules.image,
  session: z.strictObject({
    jobManager: z.strictObject(pod),
    /** replicas: the TaskManagers kept standing (slotmanager.number-of-slots.min), also while no job runs. */
    taskManager: z.strictObject({ ...taskManager, replicas: integer(1, 100) }),
    /** Checkpoint interval of the SQL jobs: a streaming INSERT INTO an Iceberg table commits at each checkpoint. */
    checkpointIntervalSeconds: z._default(integer(5, 3600), 60),
  }),
  sqlGateway: z.strictObject({ ...pod, replicas: integer(1, 10) }),
  applications: z._default(z.array(application), []),
});

export type FlinkSettings = z.output<typeof flinkSettings>;
export type ApplicationSettings = FlinkSettings['applications'][number];
