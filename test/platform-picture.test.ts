import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PICTURE_FILE } from '../charts/lib/platform-picture';
import { envNames, root, synthOne } from './helpers';

describe.each(envNames)('the %s platform picture', (name) => {
  const result = synthOne(name);
  const picture = result.picture!;

  it('is what dist/ holds (committed with the manifests)', () => {
    expect(readFileSync(join(root, 'dist', name, PICTURE_FILE), 'utf8')).toBe(picture);
  });

  it('draws every grant of the ledger Bicep deploys, and nothing else', () => {
    const drawn = [...picture.matchAll(/^ {2}i_(\S+) -->\|([^|]+)\| (\S+)$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`).sort();
    const ledger = result.ledger!.identities.flatMap((i) => {
      const node = i.name.replace(/[^A-Za-z0-9]/g, '_');
      return [
        ...i.storage.map((g) => `${node} ${g.role} s_${g.container.replace(/[^A-Za-z0-9]/g, '_')}`),
        ...i.storageAccount.map((g) => `${node} ${g.role} storage`),
        ...i.keyVault.map((g) => `${node} ${g.role} kv`),
        ...[...new Set(i.keyVaultSecrets.map((g) => g.role))].map((role) => {
          const n = i.keyVaultSecrets.filter((g) => g.role === role).length;
          return `${node} ${role} on ${n} secret${n === 1 ? '' : 's'} kv`;
        }),
      ];
    });
    expect(drawn).toEqual(ledger.sort());
  });

  it('draws each identity as run by the component whose namespace its service accounts live in', () => {
    for (const identity of result.ledger!.identities) {
      expect(picture, identity.name).toMatch(new RegExp(`^  c_\\S+ -\\.-> i_${identity.name.replace(/[^A-Za-z0-9]/g, '_')}$`, 'm'));
    }
  });

  it('draws the typed handles between components', () => {
    expect(picture).toMatch(/^ {2}c_trino -->\|uses\| c_polaris$/m);
    expect(picture).toMatch(/^ {2}c_kafka_connect -->\|uses\| c_warpstream$/m);
  });
});
