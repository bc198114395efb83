/**
 * `@ticketing/platform/wiring`: what a service's `start.ts` (and tools, tests, the bench) put
 * together — the logger, the pool and its migrations, the HTTP server, periodic tasks, the
 * service runner. A domain file never imports this entry point (lint, ADR 0008).
 */
export { type LoggerSettings, createLogger } from './logger';
export {
  type DbOptions,
  statementName,
  createDb,
  migrate,
  ensureDatabase,
  dropDatabase,
  withDatabase,
} from './postgres';
export { StopList, runMain } from './lifecycle';
export {
  type HttpAppOptions,
  createMetricsRegistry,
  SERVER_OPTIONS,
  createHttpApp,
} from './http/app';
export { type OpenApiOperation, buildOpenApi } from './http/openapi';
export { installProblemHandlers } from './http/problem';
export { type RunningServer, listen, listenRaw } from './http/server';
export { PeriodicTask } from './periodic';
export { connectRedis } from './redis';
export { SHARED_LUA_DIR, loadLuaScript, loadLuaScripts } from './redis-scripts';
export {
  type ServiceKit,
  type ServiceParts,
  runService,
  serviceOptions,
  openDatabase,
  runMigrationsMain,
} from './service';
export { PgNotifications } from './notifications';
