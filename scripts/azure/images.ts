import type { Environment } from '../../charts/components';
import type { RenderedFile } from '../../charts/lib/render';
import { checkLogin, RoundTripError, type RoundTripProps } from './round-trip';

/**
 * Where the images the platform imports come from, by repository path in the environment's
 * registry (the path keeps the upstream name). Images this repository builds (images/*) are
 * not imported: `npm run build-image` makes them.
 */
export const IMAGE_SOURCES: readonly { readonly repository: RegExp; readonly registry: string }[] = [
  // docker.io/apache/polaris, apache/polaris-admin-tool (Polaris release notes), trinodb/trino, library/python.
  { repository: /^(apache|trinodb|library)\//, registry: 'docker.io' },
  // The WarpStream agent image the warpstream-agent Helm chart 1.0.82 pulls (values.yaml image.repository).
  { repository: /^warpstream\/warpstream_agent$/, registry: 'public.ecr.aws/warpstream-labs' },
];

export interface ImageImport {
  /** Repository and tag in the environment's registry. */
  readonly target: string;
  /** What `az acr import --source` fetches (a digest when the environment pins one). */
  readonly source: string;
}

/** Every image the rendered objects of an environment run from its registry, minus those it builds. */
export function imagesToImport(env: Environment, files: readonly RenderedFile[], built: readonly string[]): ImageImport[] {
  const registry = `${env.azure.containerRegistryName.toLowerCase()}.azurecr.io/`;
  const found = new Set<string>();
  const visit = (value: unknown, key?: string): void => {
    if (typeof value === 'string' && key === 'image' && value.startsWith(registry)) found.add(value);
    else if (Array.isArray(value)) value.forEach((v) => visit(v));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, k);
  };
  files.forEach((f) => visit(f.object));
  return [...found]
    .filter((image) => !built.includes(image))
    .sort()
    .map((image) => {
      const reference = image.slice(registry.length);
      const [name, digest] = reference.split('@');
      const tag = name.includes(':') ? name : undefined;
      const repository = name.split(':')[0];
      if (!tag) throw new RoundTripError(`${image} is pinned by digest only: name a tag too (repository:tag@sha256:...) so the registry has a tag to import it as`);
      const upstream = IMAGE_SOURCES.find((s) => s.repository.test(repository));
      if (!upstream) throw new RoundTripError(`${image}: no known upstream registry for ${repository}; add it to IMAGE_SOURCES in scripts/azure/images.ts`);
      return { target: tag, source: `${upstream.registry}/${digest ? `${repository}@${digest}` : tag}` };
    });
}

/** Imports every image the environment runs into its registry; those already there are left alone. */
export function importImages(props: RoundTripProps, imports: readonly ImageImport[]): void {
  const { env, az, log } = props;
  const registry = env.azure.containerRegistryName;
  checkLogin(props);
  for (const { target, source } of imports) {
    const shown = az(['acr', 'repository', 'show', '--subscription', env.azure.subscriptionId, '--name', registry, '--image', target, '--output', 'json']);
    if (shown.status === 0) {
      log(`${registry}.azurecr.io/${target}: already there`);
      continue;
    }
    // Only "not found" means missing; a refused or unreachable registry is an error, not a reason to import.
    if (!/not found|NAME_UNKNOWN|MANIFEST_UNKNOWN/i.test(shown.stderr)) throw new RoundTripError(`az acr repository show ${target} failed: ${shown.stderr.trim().split('\n')[0]}`);
    log(`importing ${source} as ${registry}.azurecr.io/${target}`);
    const imported = az(['acr', 'import', '--subscription', env.azure.subscriptionId, '--name', registry, '--source', source, '--image', target]);
    if (imported.status !== 0) throw new RoundTripError(`az acr import ${source} failed: ${imported.stderr.trim().split('\n')[0]}`);
  }
  log(`${imports.length} images in ${registry}; pin them by digest in environments/${env.name}.ts (az acr repository show -n ${registry} --image <repository:tag> --query digest)`);
}
