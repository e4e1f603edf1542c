import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
// @ts-expect-error plain ESM helper shared with the import script
import { pinnedCrds, pinnedFiles, pinnedMismatches } from '../scripts/pinned.mjs';

// Not from ./helpers, which loads the charts: this suite runs as a check of its own (scripts/checks.mjs).
const root = resolve(__dirname, '..');

// A user has the repository and nothing beside it: no sibling folder of the machine that
// generated a file, and none of its absolute paths.
const OUTSIDE = new RegExp(['\\.\\.', '/shared', '|[:="\' ]/(work|home|root|tmp|farm|Users)/'].join(''));

describe('the repository stands alone', () => {
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);

  it('refers to no folder outside itself and no absolute path of a machine', () => {
    const offenders = tracked
      .filter((f) => !f.startsWith('pinned/') && f !== 'package-lock.json')
      .flatMap((f) => {
        let text: string;
        try {
          text = readFileSync(join(root, f), 'utf8');
        } catch {
          return [];
        }
        return text.split('\n').flatMap((line, i) => (OUTSIDE.test(line) ? [`${f}:${i + 1}: ${line.trim().slice(0, 120)}`] : []));
      });
    expect(offenders).toEqual([]);
  });

  it('the check finds such a reference', () => {
    expect(OUTSIDE.test(`  - name:=${'/work'}/shared/crds/x.yaml`)).toBe(true);
    expect(OUTSIDE.test(`dir = '${['..', 'shared'].join('/')}/crds'`)).toBe(true);
  });

  it('holds every pinned upstream file with the sha256 the manifest records', () => {
    expect(pinnedFiles().length).toBeGreaterThan(0);
    expect(pinnedMismatches()).toEqual([]);
    for (const entry of pinnedFiles()) expect(entry.url, entry.file).toMatch(/^https:\/\/raw\.githubusercontent\.com\/[^/]+\/[^/]+\/[^/]+\/.+/);
  });

  it('lists each CRD import of cdk8s.yaml once, by its upstream URL, and pins it', () => {
    const imports: string[] = YAML.parse(readFileSync(join(root, 'cdk8s.yaml'), 'utf8')).imports;
    const names = imports.map((i) => i.split(':=')[0]);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of imports) expect(spec).toMatch(/^[a-z]+:=https:\/\//);
    expect(pinnedCrds().map((c: { name: string }) => c.name)).toEqual(names);
  });
});
