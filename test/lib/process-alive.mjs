// Whether a process still runs: used to tell a leftover of a killed run from a file in use.
/** `kill(pid, 0)` succeeds, or fails only for want of permission (a process of another user). */
export function processAlive(pid) {
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}
