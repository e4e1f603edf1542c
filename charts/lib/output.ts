import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Replaces `target` (a directory) with `files` so readers never see a half-written tree:
 * the new tree is written beside it and swapped in with renames.
 */
export function replaceDirectory(target: string, files: ReadonlyMap<string, string>): void {
  const staging = `${target}.staging-${process.pid}`;
  const previous = `${target}.previous-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  for (const [path, content] of files) {
    const file = join(staging, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  mkdirSync(staging, { recursive: true });
  mkdirSync(dirname(target), { recursive: true });
  if (existsSync(target)) renameSync(target, previous);
  renameSync(staging, target);
  rmSync(previous, { recursive: true, force: true });
}

/** Writes a file only when its content changed (keeps mtimes and editors quiet). */
export function writeIfChanged(path: string, content: string, read: (p: string) => string | undefined): void {
  if (read(path) === content) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** Removes entries of `dir` matching `pattern` whose key is not in `keep`. */
export function removeStale(dir: string, pattern: RegExp, keep: ReadonlySet<string>): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const key = pattern.exec(entry)?.[1];
    if (key !== undefined && !keep.has(key)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

/** Every file under `dir` (path relative to it -> text); empty when `dir` does not exist. */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    files.set(full.slice(dir.length + 1), readFileSync(full, 'utf8'));
  }
  return files;
}
