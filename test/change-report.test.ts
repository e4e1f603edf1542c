import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { changesOf, describeChanges } from '../charts/lib/change-report';
import { synthOne } from './helpers';

describe('what synth says a change will do', () => {
  const files = synthOne('prod').files!;
  const previousOf = (edit: (previous: Map<string, string>) => void) => {
    const previous = new Map(files.map((f) => [f.path, f.content]));
    edit(previous);
    return previous;
  };
  const edited = (path: string, change: (o: any) => void) => (previous: Map<string, string>) => {
    const o = YAML.parse(previous.get(path)!);
    change(o);
    previous.set(path, YAML.stringify(o));
  };

  it('says nothing changed when nothing did', () => {
    expect(describeChanges('prod', changesOf(previousOf(() => undefined), files))).toBe('prod: no change');
  });

  it('names a configuration change that restarts the Polaris pods one by one', () => {
    const path = 'polaris/deployment-polaris.yaml';
    const changes = changesOf(previousOf(edited(path, (o) => (o.spec.template.metadata.annotations['checksum/config'] = 'old'))), files);
    expect(changes).toEqual([{ path, kind: 'changed', fields: ['spec.template.metadata.annotations.checksum/config'], effect: 'polaris: configuration changed → pods roll one by one (maxUnavailable 0)' }]);
  });

  it('warns that a Recreate deployment stops every pod first', () => {
    // A Deployment with the Recreate strategy, made from the Polaris one: the report reads the strategy, not the name.
    const polaris = files.find((f) => f.path === 'polaris/deployment-polaris.yaml')!;
    const object = { ...polaris.object, spec: { ...polaris.object.spec, strategy: { type: 'Recreate' } } };
    const recreate = { path: polaris.path, object, content: YAML.stringify(object) };
    const changes = changesOf(previousOf(edited(recreate.path, (o) => (o.spec.template.metadata.annotations = { ...o.spec.template.metadata.annotations, 'checksum/config': 'old' }))), [recreate]);
    expect(changes.find((c) => c.path === recreate.path)!.effect).toContain('every pod stops before the new ones start (Recreate)');
  });

  it('lists objects added and removed, and what the sync does with them', () => {
    const added = files.find((f) => f.object.kind === 'KafkaConnector')!;
    const changes = changesOf(
      previousOf((previous) => {
        previous.delete(added.path);
        previous.set('trino/configmap-trino-old.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: trino-old\n');
      }),
      files,
    );
    expect(changes.map((c) => [c.kind, c.path, c.effect])).toEqual([
      ['added', added.path, 'Strimzi creates the connector and starts its tasks'],
      ['removed', 'trino/configmap-trino-old.yaml', 'Argo CD prunes the ConfigMap'],
    ]);
    expect(describeChanges('prod', changes).split('\n')[0]).toBe('prod: 1 added, 0 changed, 1 removed');
  });
});
