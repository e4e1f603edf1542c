import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { toYaml } from '../charts/lib/yaml';
import { synthAll } from './helpers';

/** What a reader of `version` makes of `text`: YAML 1.1 is what Kubernetes reads (sigs.k8s.io/yaml, go-yaml v2). */
const read = (text: string, version: '1.1' | '1.2') => YAML.parse(text, { version });

describe('the YAML synth writes', () => {
  it('reads back as the same object in YAML 1.1 and 1.2, for every rendered file', () => {
    const files = synthAll().flatMap((r) => r.files!);
    expect(files.length).toBeGreaterThan(100);
    const differ = files.filter((f) => !['1.1', '1.2'].every((v) => isDeepStrictEqual(read(f.content, v as '1.1'), f.object))).map((f) => f.path);
    expect(differ).toEqual([]);
  });

  // Strings a plain scalar would turn into something else in one version or the other.
  const tricky = [
    'yes', 'No', 'on', 'OFF', 'y', 'n', 'true', 'null', '~', '', ' leading', 'trailing ', '1.7.0', '0755', '0x1F', '1_000', '1:20', '12:30:00',
    '2026-12-01', '.5', '-1', '+1', '.inf', '.NaN', '<<', '=', 'a: b', 'a #b', 'ends:', '- item', '? key', '*alias', '&anchor', '!tag',
    '%directive', '@at', '`tick', '"quoted"', "'single'", '{flow}', '[flow]', 'comma, here', 'tab\there', 'bell\u0007', 'del\u007f',
    'line\u2028separator', 'http://x.example/a?b=c#d', 'plain text with spaces', 'café', 'multi\nline', 'multi\nline\n', 'multi\nline\n\n',
    '\nstarts with newline', '  indented\nsecond', 'trailing space \nnext', 'tab\n\tindented', 'a\n\n\nb\n',
  ];

  it.each(tricky.map((s) => [JSON.stringify(s), s]))('writes %s so both versions read the same string', (_, s) => {
    const text = toYaml({ key: s, list: [s, { nested: s }] });
    for (const version of ['1.1', '1.2'] as const) expect(read(text, version)).toEqual({ key: s, list: [s, { nested: s }] });
  });

  it('writes scripts as literal blocks, readable in a diff', () => {
    expect(toYaml({ data: { 'run.sh': 'set -eu\necho "hello: world"\n' } })).toBe('data:\n  run.sh: |\n    set -eu\n    echo "hello: world"\n');
  });

  it('writes numbers, booleans, null and empty collections as themselves', () => {
    const value = { int: 3, float: 0.25, negative: -2, yes: true, no: false, none: null, map: {}, list: [], nested: [[1, 2], []] };
    const text = toYaml(value);
    for (const version of ['1.1', '1.2'] as const) expect(read(text, version)).toEqual(value);
  });

  it('refuses a number YAML 1.1 would read as a string', () => {
    expect(() => toYaml({ big: 1e21 })).toThrowError('cannot write 1e+21 as YAML');
  });
});
