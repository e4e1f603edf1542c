// Reuse of a check's pass when nothing it reads has changed (scripts/checks.mjs).
// A check declares the repository paths it reads (`inputs`: files or directories, `*` standing
// for one path segment, '.' for the whole repository). Its key is a SHA-256 of its command, the
// Node.js version, and the path and content of every file under those inputs (git's list of
// tracked and untracked, not ignored files, read from disk, so uncommitted edits count). A pass is
// recorded under that key in ~/.cache/aks-lakehouse/checks/; a later run with the same key reports
// the recorded pass instead of running the check again. Failures are never recorded.
// `node scripts/checks.mjs --audit-inputs` runs the checks under strace and lists every file of
// the repository a check opened that its inputs do not cover: the way to keep `inputs` honest.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';

const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'aks-lakehouse', 'checks');

/** Files of the repository as git sees them (tracked or untracked, not ignored), that exist on disk. */
export function repositoryFiles(root) {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, maxBuffer: 64 << 20 }).toString().split('\0');
  return [...new Set(listed.filter(Boolean))].filter((file) => existsSync(join(root, file))).sort();
}

/** A matcher for the declared inputs: a path is covered when it is an input or lies under one. */
export function coveredBy(inputs) {
  const patterns = inputs.map((input) => {
    if (input === '.') return /^/;
    const segments = input.split('/').map((s) => (s === '*' ? '[^/]+' : s.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*')));
    return new RegExp(`^${segments.join('/')}(/|$)`);
  });
  return (file) => patterns.some((p) => p.test(file));
}

/**
 * The key of a check: its command, the runtime, and every file under its inputs. `digests`
 * (one per run) keeps each file's content hash, so a file several checks read (dist/, the whole
 * repository for tsc, vitest and the scan) is read once while its size and time stay the same.
 */
export function checkKey(root, files, check, digests = new Map()) {
  const hash = createHash('sha256').update(`${check.command}\0${process.version}\0${process.platform}-${process.arch}\0`);
  const covered = coveredBy(check.inputs);
  let count = 0;
  for (const file of files) {
    if (!covered(file)) continue;
    hash.update(`${file}\0${contentDigest(join(root, file), digests)}\0`);
    count++;
  }
  if (count === 0) throw new Error(`check "${check.name}": its inputs (${check.inputs.join(', ')}) match no file of the repository`);
  return hash.digest('hex');
}

function contentDigest(path, digests) {
  const { size, mtimeMs } = statSync(path);
  const known = digests.get(path);
  if (known?.size === size && known.mtimeMs === mtimeMs) return known.digest;
  const digest = createHash('sha256').update(readFileSync(path)).digest('hex');
  digests.set(path, { size, mtimeMs, digest });
  return digest;
}

export function recordedPass(key) {
  const file = join(cacheDir, `${key}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

export function recordPass(key, check, ms) {
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(join(cacheDir, `${key}.json`), JSON.stringify({ name: check.name, passedAt: new Date().toISOString(), ms }));
}

/**
 * The repository files a check opened that its inputs do not cover, from an strace log of all its
 * processes taken with -y (each opened descriptor printed with its absolute path).
 */
export function uncoveredOpens(root, files, check, straceLog) {
  const known = new Set(files);
  const covered = coveredBy(check.inputs);
  const opened = new Set();
  for (const match of readFileSync(straceLog, 'utf8').matchAll(/openat\(.*= \d+<([^>]+)>$/gm)) {
    const file = relative(root, match[1]);
    if (known.has(file)) opened.add(file);
  }
  return [...opened].filter((file) => !covered(file)).sort();
}
