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
    else if (typeof v === 'number') lua.lua_pushnumber(L, v);
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

describe('KafkaConnect health', () => {
  const check = (obj: unknown) => health('kafka.strimzi.io_KafkaConnect', obj);
  it('follows the Ready condition of the observed generation', () => {
    expect(check({ metadata: meta(2), status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] } }).status).toBe('Healthy');
    expect(check({ metadata: meta(3), status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] } }).status).toBe('Progressing');
    const degraded = check({ metadata: meta(2), status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'False', reason: 'InvalidConfig', message: 'bad' }] } });
    expect(degraded).toEqual({ status: 'Degraded', message: 'InvalidConfig: bad' });
    expect(check({ metadata: meta(1), status: { observedGeneration: 1, conditions: [{ type: 'NotReady', status: 'True' }] } }).status).toBe('Progressing');
  });
});

describe('Application health (for app-of-apps sync waves)', () => {
  it('reports the child application health', () => {
    expect(health('argoproj.io_Application', { metadata: meta(1), status: { health: { status: 'Degraded', message: 'x' } } })).toEqual({ status: 'Degraded', message: 'x' });
    expect(health('argoproj.io_Application', { metadata: meta(1) }).status).toBe('Progressing');
  });
});
