import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error a plain ES module of the test runner, without types
import { checkKey, coveredBy, repositoryFiles, uncoveredOpens } from '../scripts/check-reuse.mjs';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function repository() {
  const dir = mkdtempSync(join(tmpdir(), 'check-reuse-'));
  made.push(dir);
  for (const [file, text] of Object.entries({ 'dist/dev/trino/a.yaml': 'a', 'dist/prod/trino/b.yaml': 'b', 'dist/dev/polaris/c.yaml': 'c', 'test/trino/boot.mjs': 'boot', 'README.md': 'readme', '.gitignore': 'out/\n', 'out/x': 'ignored' })) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}
const trino = { name: 'trino', command: 'node test/trino/boot.mjs dist', inputs: ['test/trino', 'dist/*/trino'] };

describe('reuse of a check that passed (scripts/check-reuse.mjs)', () => {
  it('covers a declared directory, a segment wildcard and the whole repository, nothing else', () => {
    const covered = coveredBy(trino.inputs);
    expect(['dist/dev/trino/a.yaml', 'dist/new/trino/x', 'test/trino/boot.mjs'].every(covered)).toBe(true);
    expect(['dist/dev/polaris/c.yaml', 'dist/dev/trinox/a', 'test/trinoboot.mjs', 'README.md'].some(covered)).toBe(false);
    expect(coveredBy(['.'])('anything/at/all')).toBe(true);
  });

  it('lists untracked files as well as tracked ones, but not ignored ones', () => {
    const dir = repository();
    expect(repositoryFiles(dir)).toEqual(['.gitignore', 'README.md', 'dist/dev/polaris/c.yaml', 'dist/dev/trino/a.yaml', 'dist/prod/trino/b.yaml', 'test/trino/boot.mjs']);
  });

  it('changes its key when a file it reads changes or appears, and only then', () => {
    const dir = repository();
    const key = () => checkKey(dir, repositoryFiles(dir), trino);
    const first = key();
    writeFileSync(join(dir, 'README.md'), 'edited');
    writeFileSync(join(dir, 'dist/dev/polaris/c.yaml'), 'edited');
    expect(key()).toBe(first);
    writeFileSync(join(dir, 'dist/prod/trino/b.yaml'), 'edited');
    const second = key();
    expect(second).not.toBe(first);
    mkdirSync(join(dir, 'dist/stage/trino'), { recursive: true });
    writeFileSync(join(dir, 'dist/stage/trino/a.yaml'), 'a');
    expect(key()).not.toBe(second);
    expect(checkKey(dir, repositoryFiles(dir), { ...trino, command: 'node test/trino/boot.mjs other' })).not.toBe(key());
  });

  it('sees an edit made after a file\'s content was hashed once in the run', () => {
    const dir = repository();
    const digests = new Map();
    const first = checkKey(dir, repositoryFiles(dir), trino, digests);
    expect(checkKey(dir, repositoryFiles(dir), trino, digests)).toBe(first);
    writeFileSync(join(dir, 'dist/dev/trino/a.yaml'), 'edited');
    expect(checkKey(dir, repositoryFiles(dir), trino, digests)).not.toBe(first);
  });

  it('refuses inputs that match nothing (a misspelt path would make a key of nothing)', () => {
    const dir = repository();
    expect(() => checkKey(dir, repositoryFiles(dir), { ...trino, inputs: ['test/trinno'] })).toThrow(/match no file/);
  });

  it('names the repository files a check opened outside its inputs, from strace -y', () => {
    const dir = repository();
    const log = join(dir, 'strace.log');
    writeFileSync(
      log,
      [
        `101 openat(AT_FDCWD<${dir}>, "dist/dev/trino/a.yaml", O_RDONLY) = 3<${dir}/dist/dev/trino/a.yaml>`,
        `102 openat(AT_FDCWD<${dir}/test>, "../README.md", O_RDONLY|O_CLOEXEC) = 4<${dir}/README.md>`,
        `102 openat(AT_FDCWD<${dir}>, "dist/dev/polaris/c.yaml", O_RDONLY) = -1 ENOENT (No such file or directory)`,
        `103 openat(AT_FDCWD, "/usr/lib/x.so", O_RDONLY) = 5</usr/lib/x.so>`,
      ].join('\n'),
    );
    expect(uncoveredOpens(dir, repositoryFiles(dir), trino, log)).toEqual(['README.md']);
  });
});
