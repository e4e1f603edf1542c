import { ApiObject, App, Chart } from 'cdk8s';
import { ConfigErrors } from './errors';
import { toYaml } from './yaml';

/** One file of `dist/<env>/<component>/`. */
export interface RenderedFile {
  readonly path: string;
  readonly content: string;
  readonly object: Record<string, any>;
}

/**
 * Validates the whole app once, then renders each chart's objects to one YAML file per
 * object. (cdk8s's own App.synth re-validates the app for every chart and names folders
 * with a hash; docs/testing.md, "Performance".)
 */
export function renderApp(app: App): RenderedFile[] {
  const errors = app.node
    .findAll()
    .flatMap((c) => c.node.validate().map((message) => new Error(message.startsWith('[') ? message : `[${c.node.path}] ${message}`)));
  if (errors.length > 0) throw new ConfigErrors(errors);

  const files: RenderedFile[] = [];
  const seen = new Map<string, string>();
  for (const chart of app.node.children.filter((c): c is Chart => c instanceof Chart)) {
    const objects = chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart);
    for (const apiObject of objects) {
      const object = apiObject.toJson();
      const path = `${chart.node.id}/${apiObject.kind.toLowerCase()}-${object.metadata.name}.yaml`;
      const previous = seen.get(path);
      if (previous) throw new Error(`[${apiObject.node.path}] renders to ${path}, as does ${previous}; give one of them another name`);
      seen.set(path, apiObject.node.path);
      files.push({ path, content: toYaml(object), object });
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}
