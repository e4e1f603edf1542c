// vitest's global setup: the suites' scratch files (copies of the repository, a PostgreSQL
// cluster, git repositories, startup snapshots) go to a folder on /dev/shm when it is a tmpfs
// with room. On an ext4 /tmp, creating and deleting thousands of files cost about a tenth of
// the run's CPU in the kernel (ext4's inode allocation after recent deletes, measured with
// perf: docs/testing.md, "Performance"). A TMPDIR you set is kept. The folder is removed at the
// end, and one that a killed run left (its process gone) by the next run.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { processAlive } from './process-alive.mjs';

const TMPFS_MAGIC = 0x01021994;
const ROOM = 1 << 30;
const PREFIX = 'aks-lakehouse-tests-';

function pruneDeadRuns(parent) {
  for (const name of readdirSync(parent)) {
    const pid = Number(name.startsWith(PREFIX) && name.slice(PREFIX.length).split('-')[0]);
    if (!pid || processAlive(pid)) continue;
    rmSync(`${parent}/${name}`, { recursive: true, force: true });
  }
}

/** A new folder on /dev/shm, or undefined where that is not a tmpfs with 1 GiB free. */
export function tmpfsScratch(parent = '/dev/shm') {
  try {
    const fs = statfsSync(parent);
    if (fs.type !== TMPFS_MAGIC || fs.bavail * fs.bsize < ROOM) return undefined;
    pruneDeadRuns(parent);
    const dir = mkdtempSync(`${parent}/${PREFIX}${process.pid}-`);
    // The PostgreSQL suite runs its server as nobody, which has to reach its folder in here.
    chmodSync(dir, 0o755);
    return dir;
  } catch {
    return undefined;
  }
}

export default function setup() {
  if (process.env.TMPDIR) return undefined;
  const dir = tmpfsScratch();
  if (!dir) return undefined;
  // Set before vitest starts its workers, which take this environment, as do the programs they run.
  process.env.TMPDIR = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true });
    delete process.env.TMPDIR;
  };
}
