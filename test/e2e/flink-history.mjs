// The HistoryServer of the end-to-end run: the real HistoryServer with the generated config.yaml
// of its ConfigMap, the archive folders moved to the run's local state folders, serving the jobs
// the clusters archived (jobmanager.archive.fs.dir).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { freePort } from '../lib/programs.mjs';
import { objectsOf, StageError } from './rewrites.mjs';
import { yaml } from './flink.mjs';

/** The HistoryServer's configuration on loopback; `stateDirs` maps each state container to its local folder. */
export async function historySetup({ dist, intent, work, move, stateDirs }) {
  const file = `dist/${intent.env}/flink/configmap-flink-history-server.yaml config.yaml`;
  const config = YAML.parse(objectsOf(dist, intent.env, 'flink')('ConfigMap', 'flink-history-server').data['config.yaml']);
  const archives = String(config['historyserver.archive.fs.dir']).split(',').map((dir) => {
    const container = /^abfss:\/\/([^@]+)@/.exec(dir)?.[1];
    if (!stateDirs[container]) throw new StageError('config', `${file}: ${dir} is no cluster's state container (${Object.keys(stateDirs).join(', ')})`);
    return `file://${stateDirs[container]}/completed-jobs`;
  });
  move(file, config, 'historyserver.archive.fs.dir', undefined, archives.join(','), 'the clusters archive into their local state folders');
  move(file, config, 'historyserver.archive.fs.refresh-interval', undefined, '1 s', 'look every second so the run takes a minute');
  move(file, config, 'historyserver.web.address', undefined, '127.0.0.1', 'loopback only');
  move(file, config, 'historyserver.web.port', undefined, String(await freePort()), 'a free port');
  move(file, config, 'historyserver.web.tmpdir', undefined, join(work, 'history-tmp'), 'a folder of the run');
  const conf = join(work, 'history-conf');
  mkdirSync(conf, { recursive: true });
  writeFileSync(join(conf, 'config.yaml'), yaml(config));
  return { conf, port: config['historyserver.web.port'] };
}

/** Starts the HistoryServer and waits until it serves the job `jobId` as finished. */
export async function historyStage(ctx, jvm, history, jobId) {
  const { stage, startProgram, waitFor, json } = ctx;
  await stage('history server', async () => {
    startProgram('flink-history-server', 'history server', 'java', [...jvm('-Xmx256m'), 'org.apache.flink.runtime.webmonitor.history.HistoryServer', '--configDir', history.conf]);
    const job = await waitFor(`the HistoryServer to serve job ${jobId}`, 60000, async () => (await json(`http://127.0.0.1:${history.port}/jobs/overview`)).jobs?.find((j) => j.jid === jobId));
    console.log(`  the HistoryServer serves job ${jobId} (${job.name}), ${job.state}`);
  });
}
