/**
 * `@ticketing/platform/wiring`: what a service's `start.ts` (and tools, tests, the bench) put
 * together — the logger, the pool and its migrations, the HTTP server, periodic tasks, the
 * service runner. A domain file never imports this entry point (lint, ADR 0008).
 */
export * from './process';
export { statementName } from './database';
export {
  type DbOptions,
  createDb,
  migrate,
  ensureDatabase,
  dropDatabase,
  withDatabase,
} from './postgres';
export { type HttpAppOptions, SERVER_OPTIONS, createHttpApp } from './http/app';
export { type OpenApiOperation, buildOpenApi } from './http/openapi';
export { installProblemHandlers } from './http/problem';
export { listen } from './http/server';
export {
  type ServiceKit,
  type ServiceParts,
  runService,
  serviceOptions,
  openDatabase,
  runMigrationsMain,
} from './service';
export { PgNotifications } from './notifications';
