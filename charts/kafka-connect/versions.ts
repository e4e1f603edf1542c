/**
 * The Kafka version of the Connect image and of the KafkaConnect resource's `spec.version`.
 * Strimzi 1.2.0 supports 4.2.0 to 4.3.1 and defaults to 4.3.1 (kafka-versions.yaml at the tag,
 * pinned in pinned/strimzi/). Pinned so that an operator upgrade with a new default does not
 * change the Connect cluster; the image (images/kafka-connect), the Connect config check and the
 * end-to-end test run the same version, which test/kafka-connect-versions.test.ts ties together.
 */
export const KAFKA_VERSION = '4.3.1';

/** The Iceberg release of the sink in the Connect image (images/kafka-connect/pom.xml iceberg.version). */
export const ICEBERG_VERSION = '1.10.1';

/** The Strimzi release whose Kafka image the Connect image builds on. */
export const STRIMZI_VERSION = '1.2.0';
