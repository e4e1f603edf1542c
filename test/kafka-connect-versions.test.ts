// One Kafka version for the Connect cluster: the KafkaConnect's spec.version, the Strimzi image the
// Connect image builds on, the Kafka the plugin pom expects, and the Kafka the Connect config check
// and the end-to-end test run. Strimzi 1.2.0 must support it (its kafka-versions.yaml, pinned).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ICEBERG_VERSION, KAFKA_VERSION, STRIMZI_VERSION } from '../charts/kafka-connect/versions';
// @ts-expect-error plain ESM helper shared with the import script
import { pinnedJson } from '../scripts/pinned.mjs';
import { envNames, find, root, synthOne } from './helpers';

const read = (file: string) => readFileSync(join(root, file), 'utf8');
/** Every `<version>` of an org.apache.kafka dependency in a pom, and its `kafka.version` property. */
const kafkaVersionsOf = (pom: string) => [
  ...[...pom.matchAll(/<groupId>org\.apache\.kafka<\/groupId>\s*<artifactId>[^<]+<\/artifactId>\s*<version>([^<]+)<\/version>/g)].map((m) => m[1]),
  ...[...pom.matchAll(/<kafka\.version>([^<]+)<\/kafka\.version>/g)].map((m) => m[1]),
];

describe('the Iceberg version of Kafka Connect', () => {
  it("is the sink's in images/kafka-connect/pom.xml, which synth holds the image's tag to", () => {
    expect([...read('images/kafka-connect/pom.xml').matchAll(/<iceberg\.version>([^<]+)<\/iceberg\.version>/g)].map((m) => m[1])).toEqual([ICEBERG_VERSION]);
  });
});

describe('the Kafka version of Kafka Connect', () => {
  it('is one Strimzi 1.2.0 supports', () => {
    const versions = pinnedJson(`strimzi/kafka-versions-${STRIMZI_VERSION}.json`) as { version: string; supported: boolean }[];
    expect(versions.find((v) => v.version === KAFKA_VERSION)?.supported).toBe(true);
  });

  it.each(envNames)('is pinned on the KafkaConnect resource of %s', (env) => {
    expect(find(synthOne(env), 'KafkaConnect', 'lakehouse', 'kafka-connect').spec.version).toBe(KAFKA_VERSION);
  });

  it("is the Kafka of the image's Strimzi base image", () => {
    expect(read('images/kafka-connect/Dockerfile')).toMatch(new RegExp(`^ARG STRIMZI_KAFKA_IMAGE=quay\\.io/strimzi/kafka:${STRIMZI_VERSION}-kafka-${KAFKA_VERSION.replaceAll('.', '\\.')}$`, 'm'));
  });

  it.each(['images/kafka-connect/pom.xml', 'test/kafka-connect/pom.xml', 'test/e2e/pom.xml'])('is the Kafka of %s', (pom) => {
    const versions = kafkaVersionsOf(read(pom));
    expect(versions.length).toBeGreaterThan(0);
    expect(new Set(versions)).toEqual(new Set([KAFKA_VERSION]));
  });
});
