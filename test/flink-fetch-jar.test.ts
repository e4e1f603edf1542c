// The application's init container command, run by the real bash and curl against loopback
// stand-ins for the Entra ID token endpoint and the Blob endpoint that check every request
// (test/lib/azure-standins.mjs): the command runs as generated, only where curl connects moves.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error a JavaScript module of the tests, without types
import { azureStandIns } from './lib/azure-standins.mjs';
import { find, readCommittedOutputs, synthOne } from './helpers';

const result = synthOne('dev');
const init = find(result, 'FlinkDeployment', 'flink-orders', 'flink').spec.jobManager.podTemplate.spec.initContainers[0];
const jarLocation: string = init.env.find((e: any) => e.name === 'JAR_LOCATION').value;
const JAR = Buffer.from('PK\u0003\u0004 a job jar');
let dir: string;
let standIns: any;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fetch-jar-'));
  const blobPath = `/${jarLocation.replace(/^abfss:\/\/([^@]+)@[^/]+\//, '$1/')}`;
  const account = (readCommittedOutputs('dev') as any).storageAccountName;
  standIns = await azureStandIns({ dir, account, tenantId: '11111111-2222-4333-8444-555555555555', clientId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', federatedToken: 'federated-token-from-the-kubelet', blobs: { [blobPath]: JAR } });
});
afterAll(async () => {
  await standIns?.close();
  rmSync(dir, { recursive: true, force: true });
});

function runScript(): Promise<{ code: number | null; output: string }> {
  const jarFile = join(dir, 'job.jar');
  rmSync(jarFile, { force: true });
  return new Promise((done) => {
    const child = spawn(init.command[0], init.command.slice(1), { env: { ...process.env, ...standIns.env, JAR_LOCATION: jarLocation, JAR_FILE: jarFile } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => done({ code, output }));
  });
}

describe('the jar fetch of the generated init container', () => {
  it('exchanges the federated token and downloads the jar from its versioned path', async () => {
    standIns.state.seen.length = 0;
    const { code, output } = await runScript();
    expect(standIns.state.seen).toEqual(['token ok', 'blob ok']);
    expect(code, output).toBe(0);
    expect(readFileSync(join(dir, 'job.jar'))).toEqual(JAR);
  });

  it.each([
    ['the token endpoint refuses', (res: ServerResponse) => res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"invalid_client"}')],
    ['the token answer has no access_token', (res: ServerResponse) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"error":"nothing"}')],
  ])('stops before the download when %s', async (_, answer) => {
    const ok = standIns.state.answerToken;
    standIns.state.seen.length = 0;
    standIns.state.answerToken = answer;
    const { code } = await runScript();
    standIns.state.answerToken = ok;
    expect(code).not.toBe(0);
    expect(standIns.state.seen).toEqual(['token ok']);
  });
});
