import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLINK } from '../charts/flink';
import { environments } from '../environments';
import { root } from './helpers';

const read = (...path: string[]) => readFileSync(join(root, ...path), 'utf8');
const property = (pom: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(pom)?.[1];
const dependencies = (pom: string) => [...pom.matchAll(/<dependency>\s*<groupId>([^<]+)<\/groupId>\s*<artifactId>([^<]+)<\/artifactId>\s*<version>([^<]+)<\/version>/g)].map(([, g, a, v]) => `${g}:${a}:${v}`);

describe('the Flink release is one everywhere the image and the tests name it', () => {
  const jars = read('images', 'flink', 'sql-jars', 'pom.xml');
  const release = property(jars, 'flink.version')!;

  it('the image builds on the release of its jar list', () => {
    expect(read('images', 'flink', 'Dockerfile')).toContain(`ARG FLINK_IMAGE=docker.io/library/flink:${release}-scala_2.12-java17`);
    expect(read('images', 'flink', 'Dockerfile')).toContain(`flink-azure-fs-hadoop-${release}.jar`);
    expect(FLINK.release).toBe(release);
  });

  it('the tests run the same release: the key check, the token provider’s plugin, the end-to-end Flink', () => {
    expect(property(read('test', 'flink', 'pom.xml'), 'flink.version')).toBe(release);
    expect(property(read('test', 'e2e', 'flink', 'pom.xml'), 'flink.version')).toBe(release);
    expect(property(read('images', 'flink', 'token-provider', 'pom.xml'), 'flink.version')).toBe(release);
  });

  it('every environment runs an image tagged with the release', () => {
    for (const env of Object.values(environments) as any[]) expect(env.components.flink.image).toMatch(new RegExp(`:${release.replace(/\./g, '\\.')}-`));
  });

  it('lib/ gets Hadoop, the Kafka connector for this Flink minor and the Iceberg runtime for it', () => {
    const minor = release.split('.').slice(0, 2).join('.');
    const list = dependencies(jars.replace(/\$\{iceberg\.version\}/g, property(jars, 'iceberg.version')!));
    expect(list).toEqual(expect.arrayContaining(['org.apache.hadoop:hadoop-client-api:3.4.1', 'org.apache.hadoop:hadoop-client-runtime:3.4.1', `org.apache.flink:flink-connector-kafka:3.4.0-${minor}`, 'org.apache.kafka:kafka-clients:3.4.0', `org.apache.iceberg:iceberg-flink-runtime-${minor}:1.10.1`]));
  });
});
