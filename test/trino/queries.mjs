// Statements through Trino's HTTP client protocol (POST /v1/statement, then nextUri), as a given
// user, with a password over HTTPS when the coordinator asks for one.
import { ProgramError } from '../lib/programs.mjs';

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Polls `probe` until it returns something other than undefined; fails naming `what` after `ms`. */
export async function waitFor(what, ms, probe) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof ProgramError) throw error;
      last = error;
    }
    await sleep(250);
  }
  throw new ProgramError(`waited ${ms / 1000} s for ${what}${last ? ` (last: ${last.message})` : ''}`);
}

/**
 * Runs `run` again while the coordinator answers "No worker nodes available". An active worker is
 * not yet schedulable: Trino 476's UniformNodeSelectorFactory keeps its node map for 5 s. And on a
 * loaded machine the failure detector can miss a worker's heartbeats for a moment (a run of the
 * Trino check failed so at a DELETE, seconds after the worker joined, with four Trino JVMs on two
 * cores). The statement fails while it is scheduled, before any task runs, so running it again is
 * safe; a worker that stays away still fails after a minute.
 */
export async function untilScheduled(env, sql, run) {
  const began = Date.now();
  for (let tries = 1; ; tries++) {
    try {
      const result = await run();
      if (tries > 1) console.log(`  ${env}: the coordinator had no worker to schedule on for ${((Date.now() - began) / 1000).toFixed(1)} s (its node map refreshes every 5 s; under load it misses heartbeats); ran ${tries} times: ${sql}`);
      return result;
    } catch (error) {
      if (!/No worker nodes available/.test(error.message) || Date.now() - began > 60000) throw error;
      await sleep(500);
    }
  }
}

const headersOf = (user, password) => ({
  'X-Trino-User': user,
  ...(password ? { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } : {}),
});

async function page(url, init, sql) {
  const response = await fetch(url, init);
  if (!response.ok) throw new ProgramError(`${sql}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`);
  const body = await response.json();
  if (body.error) throw new ProgramError(`${sql}: ${body.error.message}`);
  return body;
}

/** Runs `sql` to the end; rejects with Trino's error message (e.g. "Access Denied: ..."). */
export async function query(base, sql, user, password) {
  const headers = headersOf(user, password);
  let body = await page(`${base}/v1/statement`, { method: 'POST', body: sql, headers }, sql);
  const rows = [];
  for (;;) {
    rows.push(...(body.data ?? []));
    if (!body.nextUri) return { rows };
    body = await page(body.nextUri, { headers }, sql);
  }
}

/**
 * Starts a query whose output (about 10 MB) is more than the worker's output buffer and the
 * coordinator's exchange buffer hold (1 MB each as boot.mjs stages them; 32 MB by default), and
 * stops reading once it runs: its task on the worker cannot finish until `finish()` reads the
 * rest, whatever the timing.
 */
export const HELD_ROWS = 10000;
export async function holdQuery(base, user, password) {
  const sql = `SELECT x, rpad('', 1000, 'x') FROM UNNEST(sequence(1, ${HELD_ROWS / 10})) a(x) CROSS JOIN UNNEST(sequence(1, 10)) b(y)`;
  const headers = headersOf(user, password);
  let body = await page(`${base}/v1/statement`, { method: 'POST', body: sql, headers }, sql);
  let rows = 0;
  while (body.nextUri && !(body.stats?.state === 'RUNNING' && rows > 0)) {
    rows += body.data?.length ?? 0;
    body = await page(body.nextUri, { headers }, sql);
  }
  rows += body.data?.length ?? 0;
  return {
    async finish() {
      while (body.nextUri) {
        body = await page(body.nextUri, { headers }, sql);
        rows += body.data?.length ?? 0;
      }
      return rows;
    },
  };
}
