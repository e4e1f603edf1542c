import { execFileSync } from 'node:child_process';
import { changesOf, describeChanges } from '../../charts/lib/change-report';
import type { RenderedFile } from '../../charts/lib/render';
import YAML from 'yaml';

export class PromotionError extends Error {}

export interface PromotionProps {
  /** The repository's working folder. */
  readonly cwd: string;
  /** The git remote Argo CD reads (its URL is the environments' gitops.repoURL). */
  readonly remote: string;
  readonly from: { readonly name: string; readonly revision: string };
  readonly to: { readonly name: string; readonly revision: string };
  /** Move the target branch; otherwise only say what would happen. */
  readonly push: boolean;
  readonly log: (line: string) => void;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const tryGit = (cwd: string, ...args: string[]) => {
  try {
    return git(cwd, ...args);
  } catch {
    return undefined;
  }
};

/**
 * Promotes what `from` runs to `to`: fast-forwards the branch `to` tracks to the commit `from`
 * tracks, after saying what that changes in dist/<to>/. Only forward: a target branch with
 * commits of its own is refused.
 */
export function promote(props: PromotionProps): string {
  const { cwd, remote, from, to, log } = props;
  if (from.revision === to.revision) throw new PromotionError(`${to.name} tracks ${to.revision} like ${from.name}: every merge reaches it at once; give environments/${to.name}.ts gitops.targetRevision a branch of its own (e.g. env/${to.name})`);
  git(cwd, 'fetch', '--quiet', remote);
  const candidate = tryGit(cwd, 'rev-parse', '--verify', '--quiet', `refs/remotes/${remote}/${from.revision}^{commit}`);
  if (!candidate) throw new PromotionError(`${remote}/${from.revision} (what ${from.name} runs) does not exist`);
  const current = tryGit(cwd, 'rev-parse', '--verify', '--quiet', `refs/remotes/${remote}/${to.revision}^{commit}`);
  if (current && tryGit(cwd, 'merge-base', '--is-ancestor', current, candidate) === undefined) {
    throw new PromotionError(`${remote}/${to.revision} has commits that ${remote}/${from.revision} lacks: promotion only moves forward; merge ${to.revision} into ${from.revision} first`);
  }
  if (current === candidate) {
    log(`${to.name} already runs ${candidate.slice(0, 12)}, what ${from.name} runs: nothing to promote`);
    return candidate;
  }
  const dist = `dist/${to.name}`;
  const filesAt = (commit: string | undefined) => {
    const files = new Map<string, string>();
    if (!commit) return files;
    const list = tryGit(cwd, 'ls-tree', '-r', '--name-only', commit, '--', `${dist}/`) ?? '';
    for (const path of list.split('\n').filter((p) => p.endsWith('.yaml'))) files.set(path.slice(dist.length + 1), git(cwd, 'show', `${commit}:${path}`));
    return files;
  };
  const next = [...filesAt(candidate)].map(([path, content]): RenderedFile => ({ path, content, object: YAML.parse(content) }));
  log(`promote ${from.name} → ${to.name}: ${remote}/${to.revision} ${current ? current.slice(0, 12) : '(new branch)'} → ${candidate.slice(0, 12)}`);
  log(git(cwd, 'log', '--oneline', '--no-decorate', current ? `${current}..${candidate}` : '-10', candidate));
  log(describeChanges(to.name, changesOf(filesAt(current), next)));
  const command = ['push', remote, `${candidate}:refs/heads/${to.revision}`];
  if (!props.push) {
    log(`not pushed; run again with --push, or: git ${command.join(' ')}`);
    return candidate;
  }
  git(cwd, ...command);
  log(`pushed: Argo CD syncs ${to.name} to ${candidate.slice(0, 12)} on its next poll`);
  return candidate;
}
