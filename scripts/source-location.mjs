// `file:line:column` in the project's own sources of the first stack frame inside a bundle
// (.build/*.cjs, mapped with its .map). Used by scripts/run-ts.mjs and by synth's startup
// snapshot (scripts/synth-entry.ts), so that a failing synth names the .ts line either way.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';

/**
 * @param {unknown} error
 * @param {string} bundle absolute path of the bundle the stack frames name
 * @param {string} root the repository, to make the path relative
 * @returns {string | undefined}
 */
export function sourceLocation(error, bundle, root) {
  const stack = /** @type {{ stack?: unknown }} */ (error)?.stack;
  const mapFile = `${bundle}.map`;
  if (typeof stack !== 'string' || !existsSync(mapFile)) return undefined;
  const map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
  const escaped = bundle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const [, line, column] of stack.matchAll(new RegExp(`${escaped}:(\\d+):(\\d+)`, 'g'))) {
    const found = map.findEntry(Number(line) - 1, Number(column) - 1);
    // Packages, and the stand-ins for them in synth's project layer (`vendor:<package>`, scripts/vendor-layer.mjs).
    if (!found?.originalSource || found.originalSource.includes('node_modules') || found.originalSource.startsWith('vendor:')) continue;
    return `${resolve(dirname(bundle), found.originalSource).slice(root.length + 1)}:${found.originalLine + 1}:${found.originalColumn + 1}`;
  }
  return undefined;
}
