// Synth's bundle holds every package (a startup snapshot holds one file). scripts/run-ts.mjs
// builds it in two layers: the CommonJS packages (cdk8s, cdk8s-plus, constructs, yaml: about
// 4.5 MB that esbuild cannot tree-shake) are bundled once into .build/<entry>.vendor.js, again
// only when the lockfile or the packages the project takes change; an edit rebuilds the rest
// (the project, imports/, zod and the Grafana SDK, tree-shaken as before) in about 0.15 s
// instead of 0.4 s. The file node runs is both, the vendor layer first. Each package of the
// vendor layer loads when first required, as in one bundle, and is one instance for all.
import { isBuiltin } from 'node:module';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { bundleIsFresh } from './bundle-state.mjs';

const VENDOR = '__lakehouseVendor';
/** The vendor layer's entry, written in memory (esbuild's stdin); under node_modules/ in name, so that an error's location skips it as it skips the packages (scripts/source-location.mjs). */
const VENDOR_ENTRY = 'node_modules/.vendor-layer.js';

/** The repository's files a build read. Packages are covered by the lockfile (node_modules may be a link elsewhere, as in the tests' copies). */
export const projectInputs = (root, metafile) =>
  Object.keys(metafile.inputs)
    .filter((p) => !p.includes(':') && p !== VENDOR_ENTRY && !p.split('/').includes('node_modules'))
    .map((p) => resolve(root, p).slice(root.length + 1));

/**
 * An esbuild plugin: a package (but those of `bundled`) comes from the vendor layer when the
 * importing file reaches the same file of it as the repository's root does (the vendor layer
 * requires it from there); `needed` collects them. Anything else (a nested copy of a package, an
 * alias) is bundled where it is.
 */
export function toVendorLayer(root, needed, bundled) {
  return {
    name: 'vendor-layer',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async ({ path, kind, resolveDir, importer, pluginData }) => {
        if (pluginData === VENDOR || isBuiltin(path) || bundled.some((name) => path === name || path.startsWith(`${name}/`))) return undefined;
        const here = await build.resolve(path, { kind, resolveDir, importer, pluginData: VENDOR });
        if (here.errors.length > 0 || !here.path.split(sep).includes('node_modules')) return undefined;
        const fromRoot = await build.resolve(path, { kind, resolveDir: root, pluginData: VENDOR });
        if (fromRoot.path !== here.path) return undefined;
        needed.add(path);
        return { path, namespace: 'vendor' };
      });
      build.onLoad({ filter: /.*/, namespace: 'vendor' }, ({ path }) => ({ contents: `module.exports = ${VENDOR}(${JSON.stringify(path)});`, loader: 'js' }));
    },
  };
}

/**
 * Writes `outfile` and its source map from esbuild's `outputFiles` (the project's layer, built
 * with toVendorLayer) behind the vendor layer for `keys`, which is rebuilt when stale.
 * @returns {{ inputs: string[] }} the vendor layer's files in the repository (none so far)
 */
export async function writeWithVendorLayer({ esbuild, root, options, outfile, outputFiles, keys }) {
  const vendorFile = outfile.replace(/\.cjs$/, '.vendor.js');
  const keysFile = `${vendorFile}.keys.json`;
  const inputsFile = `${vendorFile}.inputs.json`;
  let built;
  try {
    built = readFileSync(keysFile, 'utf8');
  } catch {
    built = undefined;
  }
  if (built !== JSON.stringify(keys) || !bundleIsFresh(root, vendorFile) || !existsSync(`${vendorFile}.map`)) {
    rmSync(keysFile, { force: true });
    const modules = keys.map((k) => `  ${JSON.stringify(k)}: () => require(${JSON.stringify(k)}),`).join('\n');
    const contents = [
      `const modules = {\n${modules}\n};`,
      'module.exports = (id) => {',
      "  if (!Object.hasOwn(modules, id)) throw new Error(`${id} is not in the bundle's vendor layer: remove .build/ and run again`);",
      '  return modules[id]();',
      '};',
      '',
    ].join('\n');
    const vendor = await esbuild.build({ ...options, stdin: { contents, resolveDir: root, sourcefile: VENDOR_ENTRY, loader: 'js' }, outfile: vendorFile, format: 'iife', globalName: VENDOR });
    writeFileSync(inputsFile, JSON.stringify(projectInputs(root, vendor.metafile).sort()));
    writeFileSync(keysFile, JSON.stringify(keys));
  }
  const vendorCode = readFileSync(vendorFile, 'utf8');
  const vendorMap = JSON.parse(readFileSync(`${vendorFile}.map`, 'utf8'));
  const vendorInputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
  if (!vendorCode.endsWith('\n')) throw new Error(`${vendorFile} does not end with a line break`);
  const text = (path) => outputFiles.find((f) => f.path === path).text;
  // One "use strict" for the whole file, as esbuild writes it for one bundle (the project's own is then a no-op).
  writeFileSync(outfile, `"use strict";\n${vendorCode}${text(outfile)}`);
  // Two sections, each at its first line (an index map, which node's SourceMap reads).
  const vendorLines = vendorCode.split('\n').length - 1;
  const sections = [
    { offset: { line: 1, column: 0 }, map: vendorMap },
    { offset: { line: 1 + vendorLines, column: 0 }, map: JSON.parse(text(`${outfile}.map`)) },
  ];
  writeFileSync(`${outfile}.map`, JSON.stringify({ version: 3, sections }));
  return { inputs: vendorInputs };
}
