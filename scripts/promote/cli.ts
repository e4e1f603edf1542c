// npm run promote -- <from> <to> [--push]: see scripts/promote/promote.ts and docs/gitops.md, "Promotion".
import { execFileSync } from 'node:child_process';
import { environmentSchema } from '../../charts/components';
import { ConfigErrors } from '../../charts/lib/errors';
import { parseOrThrow } from '../../charts/lib/validation';
import { environments } from '../../environments';
import { promote, PromotionError } from './promote';

function cli(argv: string[]): number {
  const push = argv.includes('--push');
  const [from, to, ...rest] = argv.filter((a) => a !== '--push');
  if (!from || !to || rest.length > 0) {
    console.error('usage: npm run promote -- <from environment> <to environment> [--push]');
    return 2;
  }
  for (const name of [from, to]) {
    if (!(name in environments)) {
      console.error(`unknown environment ${name}; expected one of ${Object.keys(environments).sort().join(', ')}`);
      return 2;
    }
  }
  const cwd = process.env.LAKEHOUSE_ROOT ?? process.cwd();
  try {
    const [source, target] = [from, to].map((n) => parseOrThrow(environmentSchema, environments[n], `environments/${n}.ts`));
    if (source.gitops.repoURL !== target.gitops.repoURL) throw new PromotionError(`${from} and ${to} sync from different repositories (gitops.repoURL)`);
    const remotes = execFileSync('git', ['remote', '-v'], { cwd, encoding: 'utf8' });
    const remote = remotes.split('\n').find((l) => l.split(/\s+/)[1] === target.gitops.repoURL)?.split(/\s+/)[0];
    if (!remote) throw new PromotionError(`no git remote of this clone has the URL ${target.gitops.repoURL} (gitops.repoURL of environments/${to}.ts): add it with git remote add`);
    promote({ cwd, remote, from: { name: from, revision: source.gitops.targetRevision }, to: { name: to, revision: target.gitops.targetRevision }, push, log: (l) => console.log(l) });
    return 0;
  } catch (e) {
    if (e instanceof PromotionError || e instanceof ConfigErrors) {
      console.error(`promote failed: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (process.env.LAKEHOUSE_ENTRY === '1') process.exitCode = cli(process.argv.slice(2));
