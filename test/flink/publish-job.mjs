// npm run publish-job against the fake az (test/fake-az/az), with the real Maven build of the
// example job: the upload with Entra ID to the versioned path the environment names, and the
// refusal to replace a published version or to act in another tenant. A real-program check of
// scripts/test.sh (the Maven build is too slow for vitest's budget on a busy machine).
//
//   node test/flink/publish-job.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { root } from '../lib/programs.mjs';

const outputs = JSON.parse(readFileSync(join(root, 'environments', 'dev.azure.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'publish-job-'));
const published = 'orders-enricher/1.0.0/orders-enricher-1.0.0.jar';
const jar = join(root, 'jobs', 'orders-enricher', 'target', 'orders-enricher-1.0.0.jar');
const target = ['--auth-mode', 'login', '--account-name', outputs.storageAccountName, '--container-name', 'flink-jobs', '--name', published];

function publish(name, env = {}) {
  const log = join(dir, `${name}.log`);
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'publish-job.mjs'), 'dev', join(root, 'jobs', 'orders-enricher')], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${join(root, 'test', 'fake-az')}:${process.env.PATH}`, FAKE_AZ_LOG: log, FAKE_AZ_TENANT: outputs.tenantId, ...env },
  });
  let calls = [];
  try {
    calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  } catch {}
  return { run, calls };
}

const checks = {
  'builds the job and uploads it with Entra ID to the versioned path dev.ts names': () => {
    const { run, calls } = publish('publish');
    const devJar = /jar: '([^']+)'/.exec(readFileSync(join(root, 'environments', 'dev.ts'), 'utf8'))?.[1];
    return [
      run.status === 0 || `exit ${run.status}: ${run.stderr}`,
      isDeepStrictEqual(calls[1], ['storage', 'blob', 'exists', ...target, '--output', 'json']) || `exists call: ${JSON.stringify(calls[1])}`,
      isDeepStrictEqual(calls[2], ['storage', 'blob', 'upload', ...target, '--file', jar, '--overwrite', 'false', '--only-show-errors', '--output', 'none']) || `upload call: ${JSON.stringify(calls[2])}`,
      readFileSync(jar).subarray(0, 2).toString() === 'PK' || 'the uploaded file is not a jar',
      devJar === published || `environments/dev.ts names ${devJar}, the job publishes ${published}`,
    ];
  },
  'refuses to replace a published version, before building anything': () => {
    const { run, calls } = publish('exists', { FAKE_AZ_BLOBS: `flink-jobs/${published}` });
    return [
      run.status === 1 || `exit ${run.status}`,
      run.stderr.includes(`flink-jobs/${published} is already published in ${outputs.storageAccountName}; a published version is never replaced`) || `message: ${run.stderr}`,
      !calls.some((c) => c[2] === 'upload') || 'it uploaded',
    ];
  },
  'refuses a session in another tenant': () => {
    const { run, calls } = publish('tenant', { FAKE_AZ_TENANT: '00000000-0000-4000-8000-000000000000' });
    return [run.status === 1 || `exit ${run.status}`, run.stderr.includes(`az login --tenant ${outputs.tenantId}`) || `message: ${run.stderr}`, calls.length === 1 || `${calls.length} az calls`];
  },
};

let passed = 0;
let failed = 0;
for (const [name, check] of Object.entries(checks)) {
  const problems = check().filter((r) => r !== true);
  if (problems.length) failed++;
  else passed++;
  console.log(`${problems.length ? 'FAIL' : 'ok  '} ${name}${problems.map((p) => `\n       ${p}`).join('')}`);
}
rmSync(dir, { recursive: true, force: true });
console.log(`publish-job: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
