import { describe, expect, it } from 'vitest';
// @ts-expect-error fengari ships no types
import { lauxlib, lua, lualib, to_jsstring, to_luastring } from 'fengari';
import { healthChecks } from '../charts/argocd/health';

/** Runs an Argo CD health script on `obj` (a JSON object turned into Lua tables) and returns hs. */
function health(kind: string, obj: unknown): { status: string; message: string } {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  const push = (v: unknown): void => {
    if (v === null || v === undefined) lua.lua_pushnil(L);
    else if (typeof v === 'boolean') lua.lua_pushboolean(L, v);
    // JSON integers are Lua integers (gopher-lua, which Argo CD runs, prints 1 as "1" too).
    else if (typeof v === 'number') Number.isInteger(v) ? lua.lua_pushinteger(L, v) : lua.lua_pushnumber(L, v);
    else if (typeof v === 'string') lua.lua_pushstring(L, to_luastring(v));
    else if (Array.isArray(v)) {
      lua.lua_createtable(L, v.length, 0);
      v.forEach((item, i) => {
        push(item);
        lua.lua_rawseti(L, -2, i + 1);
      });
    } else {
      lua.lua_createtable(L, 0, 0);
      for (const [k, item] of Object.entries(v as object)) {
        push(item);
        lua.lua_setfield(L, -2, to_luastring(k));
      }
    }
  };
  push(obj);
  lua.lua_setglobal(L, to_luastring('obj'));
  if (lauxlib.luaL_loadstring(L, to_luastring(healthChecks[kind])) !== lua.LUA_OK || lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
    throw new Error(to_jsstring(lua.lua_tostring(L, -1)));
  }
  const field = (name: string) => {
    lua.lua_getfield(L, -1, to_luastring(name));
    const value = lua.lua_isnil(L, -1) ? '' : to_jsstring(lua.lua_tostring(L, -1));
    lua.lua_pop(L, 1);
    return value;
  };
  return { status: field('status'), message: field('message') };
}

const meta = (generation: number) => ({ name: 'x', generation });

describe('FlinkDeployment health', () => {
  const check = (obj: unknown) => health('flink.apache.org_FlinkDeployment', obj).status;
  const job = { jarURI: 'local:///opt/flink/job.jar' };

  it('waits for the operator to observe a new generation', () => {
    expect(check({ metadata: meta(3), spec: { job }, status: { observedGeneration: 2, lifecycleState: 'STABLE', jobManagerDeploymentStatus: 'READY', jobStatus: { state: 'RUNNING' } } })).toBe('Progressing');
    expect(check({ metadata: meta(1), spec: {} })).toBe('Progressing');
  });
  it('is healthy when the job runs on a ready job manager', () => {
    expect(check({ metadata: meta(2), spec: { job }, status: { observedGeneration: 2, lifecycleState: 'STABLE', jobManagerDeploymentStatus: 'READY', jobStatus: { state: 'RUNNING' } } })).toBe('Healthy');
  });
  it('is healthy for a ready session cluster without a job', () => {
    expect(check({ metadata: meta(1), spec: {}, status: { observedGeneration: 1, lifecycleState: 'DEPLOYED', jobManagerDeploymentStatus: 'READY' } })).toBe('Healthy');
  });
  it('is degraded when the job fails or an upgrade rolled back', () => {
    expect(check({ metadata: meta(1), spec: { job }, status: { observedGeneration: 1, lifecycleState: 'DEPLOYED', jobManagerDeploymentStatus: 'READY', jobStatus: { state: 'FAILED' }, error: 'boom' } })).toBe('Degraded');
    expect(check({ metadata: meta(1), spec: { job }, status: { observedGeneration: 1, lifecycleState: 'ROLLED_BACK', jobManagerDeploymentStatus: 'READY' } })).toBe('Degraded');
  });
  it('reports a suspended job as suspended, not progressing forever', () => {
    expect(check({ metadata: meta(4), spec: { job: { ...job, state: 'suspended' } }, status: { observedGeneration: 4, lifecycleState: 'SUSPENDED', jobManagerDeploymentStatus: 'MISSING' } })).toBe('Suspended');
  });
  it('is progressing while the job manager deploys', () => {
    expect(check({ metadata: meta(1), spec: { job }, status: { observedGeneration: 1, lifecycleState: 'UPGRADING', jobManagerDeploymentStatus: 'DEPLOYING' } })).toBe('Progressing');
  });
});

// Condition shapes as Strimzi 1.2.0 writes them (StatusUtils; ConnectorMockTest waits for
// NotReady with these reasons and messages).
const notReady = (reason: string, message: string) => ({ type: 'NotReady', status: 'True', reason, message, lastTransitionTime: '2026-08-18T10:00:00Z' });
const ready = { type: 'Ready', status: 'True', lastTransitionTime: '2026-08-18T10:00:00Z' };

describe('KafkaConnect health', () => {
  const check = (obj: unknown) => health('kafka.strimzi.io_KafkaConnect', obj);
  it('is healthy when the observed generation is Ready', () => {
    expect(check({ metadata: meta(2), status: { observedGeneration: 2, conditions: [ready] } }).status).toBe('Healthy');
  });
  it('is degraded on NotReady=True, the way Strimzi reports failure', () => {
    const status = { observedGeneration: 1, conditions: [notReady('ConnectTimeoutException', 'connection timed out')] };
    expect(check({ metadata: meta(1), status })).toEqual({ status: 'Degraded', message: 'ConnectTimeoutException: connection timed out' });
  });
  it('is degraded on Ready=False too', () => {
    const degraded = check({ metadata: meta(2), status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'False', reason: 'InvalidConfig', message: 'bad' }] } });
    expect(degraded).toEqual({ status: 'Degraded', message: 'InvalidConfig: bad' });
  });
  it('is progressing with no status yet, or an older observed generation', () => {
    expect(check({ metadata: meta(1) }).status).toBe('Progressing');
    expect(check({ metadata: meta(3), status: { observedGeneration: 2, conditions: [ready] } }).status).toBe('Progressing');
    expect(check({ metadata: meta(3), status: { observedGeneration: 2, conditions: [notReady('X', 'old')] } }).status).toBe('Progressing');
    expect(check({ metadata: meta(1), status: { observedGeneration: 1, conditions: [] } }).status).toBe('Progressing');
  });
  it('treats a Warning beside Ready as healthy', () => {
    const warning = { type: 'Warning', status: 'True', reason: 'DeprecatedFields', message: 'x' };
    expect(check({ metadata: meta(1), status: { observedGeneration: 1, conditions: [warning, ready] } }).status).toBe('Healthy');
  });
});

describe('KafkaConnector health', () => {
  const check = (obj: unknown) => health('kafka.strimzi.io_KafkaConnector', obj);
  // status.connectorStatus is Kafka Connect's GET /connectors/<name>/status (ConnectorMockTest builds the same).
  const connectorStatus = (connector: string, ...tasks: string[]) => ({
    name: 'iceberg-sink',
    connector: { state: connector, worker_id: 'somehost0:8083' },
    tasks: tasks.map((state, id) => ({ id, state, worker_id: 'somehost2:8083', ...(state === 'FAILED' ? { trace: 'org.apache.kafka.connect.errors.ConnectException: boom' } : {}) })),
    type: 'sink',
  });
  const status = (cs: unknown, conditions: unknown[] = [ready]) => ({ metadata: meta(1), status: { observedGeneration: 1, conditions, connectorStatus: cs, tasksMax: 2 } });

  it('is healthy when the connector and every task run', () => {
    expect(check(status(connectorStatus('RUNNING', 'RUNNING', 'RUNNING'))).status).toBe('Healthy');
  });
  it('is degraded when the connector or a task failed, even while Ready', () => {
    expect(check(status(connectorStatus('FAILED', 'RUNNING'))).status).toBe('Degraded');
    const task = check(status(connectorStatus('RUNNING', 'RUNNING', 'FAILED')));
    expect(task).toEqual({ status: 'Degraded', message: 'Task 1 FAILED: org.apache.kafka.connect.errors.ConnectException: boom' });
  });
  it('is degraded on NotReady (no such KafkaConnect, REST errors)', () => {
    const missing = notReady('NoSuchResourceException', 'KafkaConnect resource \'cluster\' identified by label \'strimzi.io/cluster\' does not exist in namespace ns.');
    expect(check(status(undefined, [missing])).status).toBe('Degraded');
  });
  it('is suspended when paused or stopped on purpose', () => {
    expect(check(status(connectorStatus('PAUSED', 'PAUSED'))).status).toBe('Suspended');
    expect(check(status(connectorStatus('STOPPED'))).status).toBe('Suspended');
  });
  it('is progressing while unassigned, restarting or not yet reported', () => {
    expect(check(status(connectorStatus('UNASSIGNED'))).status).toBe('Progressing');
    expect(check(status(connectorStatus('RUNNING', 'RUNNING', 'UNASSIGNED'))).status).toBe('Progressing');
    expect(check(status(undefined)).status).toBe('Progressing');
    expect(check({ metadata: meta(2), status: { observedGeneration: 1, conditions: [ready], connectorStatus: connectorStatus('RUNNING') } }).status).toBe('Progressing');
  });
});

describe('Application health (for app-of-apps sync waves)', () => {
  it('reports the child application health', () => {
    expect(health('argoproj.io_Application', { metadata: meta(1), status: { health: { status: 'Degraded', message: 'x' } } })).toEqual({ status: 'Degraded', message: 'x' });
    expect(health('argoproj.io_Application', { metadata: meta(1) }).status).toBe('Progressing');
  });

  it('is not healthy while its sync, PostSync hooks included, still runs', () => {
    const running = { health: { status: 'Healthy' }, operationState: { phase: 'Running', message: 'waiting for completion of hook batch/Job/polaris-catalog-creator' } };
    expect(health('argoproj.io_Application', { metadata: meta(1), status: running })).toEqual({ status: 'Progressing', message: 'Sync running: waiting for completion of hook batch/Job/polaris-catalog-creator' });
    const done = { ...running, operationState: { phase: 'Succeeded', message: 'successfully synced (all tasks run)' } };
    expect(health('argoproj.io_Application', { metadata: meta(1), status: done }).status).toBe('Healthy');
  });
});
