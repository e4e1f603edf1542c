/** The tag of an image reference (`1.7.0` of `registry/apache/polaris:1.7.0@sha256:...`), if it has one. */
export const imageTag = (image: string): string | undefined => /:(\w[\w.-]*)(?:@|$)/.exec(image.slice(image.lastIndexOf('/')))?.[1];

/**
 * The versions an image tag names: its leading version (key '': `1.20.0` of `1.20.0-wi1`, `16`,
 * `3.13` of `3.13-slim`, `833` of `v833`) and each `<label>-<version>` after it (`kafka` 4.3.1
 * and `iceberg` 1.10.1 of `1.2.0-kafka-4.3.1-iceberg-1.10.1`). Empty for a digest-only reference.
 */
export function tagVersions(image: string): Map<string, string> {
  const found = new Map<string, string>();
  const tag = imageTag(image);
  if (!tag) return found;
  const leading = /^v?(\d+(?:\.\d+)*)/.exec(tag);
  if (leading) found.set('', leading[1]);
  for (const [, label, version] of tag.matchAll(/-([a-z]+)-v?(\d+(?:\.\d+)*)(?=-|$)/g)) found.set(label, version);
  return found;
}

/** A release of the software in an image that the charts are made and checked for. */
export interface ExpectedVersion {
  /** Where the tag names it: '' for its leading version, else the label before it (`kafka` of `kafka-4.3.1`). */
  readonly label: string;
  readonly software: string;
  /** Exactly this release... */
  readonly version?: string;
  /** ...or a major release from this one, before `beforeMajor` when given. */
  readonly fromMajor?: number;
  readonly beforeMajor?: number;
}

/** What is wrong with the versions `image`'s tag names, one phrase per version, or nothing. */
export function versionMismatches(image: string, expected: readonly ExpectedVersion[]): string[] {
  const named = tagVersions(image);
  return expected.flatMap(({ label, software, version, fromMajor, beforeMajor }) => {
    const found = named.get(label);
    if (found === undefined) return [];
    if (version !== undefined) return found === version ? [] : [`${software} ${version} (its tag names ${found})`];
    const major = Number(found.split('.')[0]);
    if (fromMajor !== undefined && major < fromMajor) return [`${software} ${fromMajor}${beforeMajor === fromMajor + 1 ? '' : ' or later'} (its tag names ${found})`];
    if (beforeMajor !== undefined && major >= beforeMajor) return [`${software} ${beforeMajor - 1} (its tag names ${found})`];
    return [];
  });
}
