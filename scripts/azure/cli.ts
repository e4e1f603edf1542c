// npm run what-if -- <env> | npm run deploy -- <env>
import { environmentSchema } from '../../charts/components';
import { ConfigErrors } from '../../charts/lib/errors';
import { parseOrThrow } from '../../charts/lib/validation';
import { environments } from '../../environments';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { synthesize } from '../../charts/synth';
import { imagesToImport, importImages } from './images';
import { buildableImages, buildImage, deploy, realAz, RoundTripError, whatIf } from './round-trip';

/** The environment's objects, synthesized in memory (what dist/<env>/ holds after `npm run synth`). */
function renderedFiles(root: string, name: string) {
  const outputs = join(root, 'environments', `${name}.azure.json`);
  const [result] = synthesize({ environments: { [name]: environments[name] }, readOutputs: () => (existsSync(outputs) ? readFileSync(outputs, 'utf8') : undefined) });
  if (!result.files) throw new ConfigErrors(result.errors);
  return result.files;
}

function cli(argv: string[]): number {
  const rotate = argv.includes('--rotate-database-password');
  const [command, name, ...rest] = argv.filter((a) => a !== '--rotate-database-password');
  const arity = command === 'build-image' ? 1 : 0;
  if (!['deploy', 'what-if', 'build-image', 'import-images'].includes(command) || !name || rest.length !== arity || (rotate && command !== 'deploy')) {
    console.error('usage: npm run deploy -- <environment> [--rotate-database-password] | npm run what-if -- <environment> | npm run build-image -- <environment> <image> | npm run import-images -- <environment>');
    return 2;
  }
  if (!(name in environments)) {
    console.error(`unknown environment ${name}; expected one of ${Object.keys(environments).sort().join(', ')}`);
    return 2;
  }
  try {
    const env = parseOrThrow(environmentSchema, environments[name], `environments/${name}.ts`);
    const root = process.env.LAKEHOUSE_ROOT ?? process.cwd();
    const props = { root, env, az: realAz(root), log: (l: string) => console.log(l), rotateDatabasePassword: rotate };
    if (command === 'deploy') deploy(props);
    else if (command === 'build-image') buildImage(props, rest[0]);
    else if (command === 'import-images') importImages(props, imagesToImport(env, renderedFiles(root, name), Object.values(buildableImages).map((b) => b.setting(env)).filter((i): i is string => !!i)));
    else whatIf(props);
    return 0;
  } catch (e) {
    if (e instanceof RoundTripError || e instanceof ConfigErrors) {
      console.error(`${command} failed: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (process.env.LAKEHOUSE_ENTRY === '1') process.exitCode = cli(process.argv.slice(2));
