// Runs a worker's generated preStop command (from dist/) against the running worker, while a
// query's task is held open on it, and checks Trino's graceful shutdown end to end.
import { spawn } from 'node:child_process';
import { HELD_ROWS, waitFor } from './queries.mjs';

export async function drainCheck({ env, check, worker, generatedPort, workerPort, deployment, holdQuery, started = () => {} }) {
  const command = deployment.spec.template.spec.containers[0].lifecycle?.preStop?.exec?.command;
  if (!check(`${env}: the worker has a preStop command`, Array.isArray(command) && command[0] === 'sh' && command[1] === '-c', JSON.stringify(command))) return;
  const here = `:${generatedPort}/`;
  if (!check(`${env}: the preStop command calls the worker's own HTTP port`, command[2].includes(here), command[2])) return;
  // The only change: the port this machine gave the worker.
  const script = command[2].replaceAll(here, `:${workerPort}/`);
  console.log(`${env} preStop, port ${generatedPort} -> ${workerPort}:\n  ${script.replaceAll('\n', '\n  ')}`);
  const state = async () => (await fetch(`http://127.0.0.1:${workerPort}/v1/info/state`)).json();

  const held = await holdQuery();
  started();
  const hook = spawn(command[0], [command[1], script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  for (const stream of [hook.stdout, hook.stderr]) stream.on('data', (d) => (output += d));
  let hookCode;
  const hookExited = new Promise((done) => hook.on('exit', (code, signal) => done((hookCode = code ?? signal))));
  try {
    const shuttingDown = await waitFor('SHUTTING_DOWN', 30000, async () => {
      if (hookCode !== undefined) return `the command exited ${hookCode}: ${output.trim()}`;
      return (await state()) === 'SHUTTING_DOWN' ? 'SHUTTING_DOWN' : undefined;
    }).catch((e) => e.message);
    if (!check(`${env}: the preStop command puts the worker in SHUTTING_DOWN`, shuttingDown === 'SHUTTING_DOWN', shuttingDown)) return;
    const waiting = await waitFor("the worker to wait for the held query's task", 60000, () => (/Waiting for \d+ active tasks to finish/.test(worker.log()) ? true : undefined)).catch((e) => e.message);
    check(`${env}: the draining worker waits for the running query's task, and so does the command`, waiting === true && worker.running && hookCode === undefined, `${waiting}; worker ${worker.running ? 'running' : 'exited'}; command ${hookCode === undefined ? 'running' : `exited ${hookCode}`}`);
    const rows = await held.finish().catch((e) => e.message);
    check(`${env}: the query running on the draining worker completes`, rows === HELD_ROWS, `${rows} rows`);
    const exited = await Promise.race([worker.exited, new Promise((done) => setTimeout(() => done('still running after 60 s'), 60000))]);
    check(`${env}: the worker then exits by itself, with 0`, exited === 0, String(exited));
    const code = await Promise.race([hookExited, new Promise((done) => setTimeout(() => done('still running 30 s after the worker exited'), 30000))]);
    check(`${env}: the preStop command returns 0 once the worker has stopped`, code === 0, `${code} ${output.trim()}`);
  } finally {
    if (hookCode === undefined) hook.kill('SIGKILL');
  }
}
