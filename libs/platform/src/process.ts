/**
 * `@ticketing/platform/process`: the runtime of a process that opens no database and serves no
 * Fastify app (the gateway) — its logger, lifecycle, periodic tasks, Redis and its scripts, a
 * metrics registry, a raw HTTP server — without loading the drivers and the framework it does not
 * use. `wiring` has all of this and the rest; a domain file imports neither (lint, ADR 0008).
 */
export { type LoggerSettings, createLogger } from './logger';
export { StopList, runMain } from './lifecycle';
export { createMetricsRegistry } from './metrics';
export { type RunningServer, listenRaw } from './http/server';
export { PeriodicTask } from './periodic';
export { connectRedis } from './redis';
export {
  SHARED_LUA_DIR,
  loadLuaCommands,
  loadLuaScript,
  loadLuaScripts,
  type LuaCommand,
} from './redis-scripts';
