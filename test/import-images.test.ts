import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { environmentSchema } from '../charts/components';
import { parseOrThrow } from '../charts/lib/validation';
import { environments } from '../environments';
import { imagesToImport, importImages } from '../scripts/azure/images';
import { Az, buildableImages } from '../scripts/azure/round-trip';
import { synthOne } from './helpers';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fakeAz } = require('./fake-az/fake.js') as { fakeAz: (args: string[], env: NodeJS.ProcessEnv) => { status: number; stdout: string; stderr: string } };

const TENANT = 'dc8117ac-2f36-4dcb-b19e-16cc2ba0e849';
const dir = mkdtempSync(join(tmpdir(), 'import-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run import-images -- <env>', () => {
  const env = parseOrThrow(environmentSchema, environments.dev, 'environments/dev.ts');
  const built = Object.values(buildableImages).map((b) => b.setting(env)).filter((i): i is string => !!i);
  const imports = imagesToImport(env, synthOne('dev').files!, built);
  const calls: string[][] = [];
  const az: Az = (args) => {
    calls.push(args);
    return { ...fakeAz(args, { ...process.env, FAKE_AZ_STATE: join(dir, 'state.json'), FAKE_AZ_TENANT: TENANT }), missing: false };
  };
  const run = () => {
    const log: string[] = [];
    calls.length = 0;
    importImages({ root: dir, env, az, log: (l) => log.push(l) }, imports);
    return log;
  };

  it('imports every image the rendered objects run, from where upstream publishes it, and none the repository builds', () => {
    const running = new Set<string>();
    const visit = (v: unknown, key?: string): void => {
      if (typeof v === 'string' && key === 'image') running.add(v);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, Array.isArray(v) ? key : k);
    };
    synthOne('dev').files!.forEach((f) => visit(f.object));
    const fromRegistry = [...running].filter((i) => i.startsWith('crlakehousedev01.azurecr.io/') && !built.includes(i));
    expect(imports.map((i) => `crlakehousedev01.azurecr.io/${i.target}`).sort()).toEqual(fromRegistry.sort());
    expect(imports.length).toBeGreaterThan(3);
    expect(imports).toContainEqual({ target: 'apache/polaris:1.7.0', source: 'docker.io/apache/polaris:1.7.0' });
    for (const image of built) expect(imports.map((i) => i.target)).not.toContain(image.split('azurecr.io/')[1]);
  });

  it('imports what is missing, then leaves it alone on the second run', () => {
    run();
    expect(calls.filter((c) => c[0] === 'acr' && c[1] === 'import')).toHaveLength(imports.length);
    const second = run();
    expect(calls.filter((c) => c[0] === 'acr' && c[1] === 'import')).toEqual([]);
    expect(second.filter((l) => l.endsWith('already there'))).toHaveLength(imports.length);
  });

  it('names the image pinned by digest only, which cannot be imported as a tag', () => {
    const files = [{ path: 'x.yaml', content: '', object: { spec: { containers: [{ image: 'crlakehousedev01.azurecr.io/apache/polaris@sha256:' + 'a'.repeat(64) }] } } }];
    expect(() => imagesToImport(env, files, [])).toThrowError('crlakehousedev01.azurecr.io/apache/polaris@sha256:' + 'a'.repeat(64) + ' is pinned by digest only');
  });
});
