// Whether the cdk8s CLI's output folder (CDK8S_OUTDIR) is dist/, inside it or around it. Read
// by scripts/synth.mjs before it bundles anything (a refusal costs no bundle build) and by
// main.ts, which a synth started from the startup snapshot reaches without synth.mjs.
import { join, resolve, sep } from 'node:path';

/**
 * `cdk8s synth` deletes its output folder before it starts the app (cdk8s-cli
 * lib/cli/cmds/synth.js, `fs.rmSync(outdir)`), so an output folder that is dist/, inside it
 * or around it has already removed the committed manifests: refuse, and say how to recover.
 * `fromShell`: started by `npm run synth`, which does not go through the cdk8s CLI.
 */
function cliOutputOverlapsDist(root, cliOut, fromShell = false) {
  if (!cliOut) return undefined;
  const out = resolve(root, cliOut);
  const dist = join(root, 'dist');
  const inside = (child, parent) => child === parent || child.startsWith(`${parent}${sep}`);
  if (!inside(out, dist) && !inside(dist, out)) return undefined;
  if (fromShell) {
    // Nothing was deleted: the variable comes from the shell.
    return (
      `CDK8S_OUTDIR (${JSON.stringify(cliOut)}) is set in your shell and names dist/, inside it or around it: ` +
      'synth would write there as well as into dist/<env>/, and the cdk8s CLI deletes that folder before every synth. ' +
      'dist/ is untouched. Unset it (`unset CDK8S_OUTDIR`) and run `npm run synth` again.'
    );
  }
  return (
    `cdk8s.yaml output or cdk8s synth --output (${JSON.stringify(cliOut)}) must not be dist/, inside it or around it: ` +
    'the cdk8s CLI deletes its output folder before synth runs, so dist/ has been deleted. ' +
    'Restore it with `git checkout -- dist`, keep `output: .build/cdk8s-out` in cdk8s.yaml, and synthesize with `npm run synth`.'
  );
}

/** The refusal for this process's environment, or undefined. */
export const cliOutputRefusal = (root) => cliOutputOverlapsDist(root, process.env.CDK8S_OUTDIR, process.env.npm_lifecycle_event === 'synth');
