import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promote } from '../scripts/promote/promote';
import { environments } from '../environments';

/** A bare "origin" and a clone with dev tracking main and prod tracking env/prod, as the example environments do. */
describe('npm run promote -- dev prod', () => {
  let dir: string;
  let clone: string;
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const commit = (message: string, files: Record<string, string>) => {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(clone, path, '..'), { recursive: true });
      writeFileSync(join(clone, path), content);
    }
    git(clone, 'add', '-A');
    git(clone, '-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qm', message);
    git(clone, 'push', '-q', 'origin', 'HEAD:main');
    return git(clone, 'rev-parse', 'HEAD');
  };
  const deployment = (replicas: number) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: trino-worker\nspec:\n  replicas: ${replicas}\n`;
  const run = (push: boolean) => {
    const lines: string[] = [];
    const sha = promote({ cwd: clone, remote: 'origin', from: { name: 'dev', revision: 'main' }, to: { name: 'prod', revision: 'env/prod' }, push, log: (l) => lines.push(l) });
    return { sha, out: lines.join('\n') };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'promote-'));
    git(dir, 'init', '-q', '--bare', '-b', 'main', 'origin.git');
    git(dir, 'clone', '-q', join(dir, 'origin.git'), 'clone');
    clone = join(dir, 'clone');
    const first = commit('first', { 'dist/prod/trino/deployment-trino-worker.yaml': deployment(2) });
    git(clone, 'push', '-q', 'origin', `${first}:refs/heads/env/prod`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is what the example environments are set up for', () => {
    expect((environments.dev as any).gitops.targetRevision).toBe('main');
    expect((environments.prod as any).gitops.targetRevision).toBe('env/prod');
  });

  it('says what prod would get, and moves nothing without --push', () => {
    const before = git(join(dir, 'origin.git'), 'rev-parse', 'env/prod');
    const second = commit('scale trino workers', { 'dist/prod/trino/deployment-trino-worker.yaml': deployment(4) });
    const { sha, out } = run(false);
    expect(sha).toBe(second);
    expect(out).toContain('scale trino workers');
    expect(out).toContain('changed trino/deployment-trino-worker.yaml (spec.replicas)');
    expect(out).toContain('scales 2 → 4');
    expect(out).toContain(`git push origin ${second}:refs/heads/env/prod`);
    expect(git(join(dir, 'origin.git'), 'rev-parse', 'env/prod')).toBe(before);
  });

  it('fast-forwards env/prod to what dev runs with --push, then has nothing to do', () => {
    const { sha } = run(true);
    expect(git(join(dir, 'origin.git'), 'rev-parse', 'env/prod')).toBe(sha);
    expect(run(true).out).toContain('nothing to promote');
  });

  it('refuses to move prod backwards or over commits of its own', () => {
    git(clone, 'checkout', '-q', '-b', 'hotfix', 'origin/env/prod');
    writeFileSync(join(clone, 'hotfix.txt'), 'x');
    git(clone, 'add', '-A');
    git(clone, '-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qm', 'hotfix');
    git(clone, 'push', '-q', 'origin', 'HEAD:env/prod');
    git(clone, 'checkout', '-q', 'main');
    commit('more on main', { 'dist/prod/x.yaml': 'kind: ConfigMap\n' });
    expect(() => run(true)).toThrowError('origin/env/prod has commits that origin/main lacks: promotion only moves forward; merge env/prod into main first');
  });
});
