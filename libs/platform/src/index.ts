/**
 * What any part of a service may use: configuration, errors, the request context and spans, the
 * database handles a use case holds (`Database`, `Transaction`), route and problem types,
 * retention and cursors. The runtime that `start.ts` wires — loggers, pools, migrations, servers,
 * loops — is the other entry point, `@ticketing/platform/wiring`; a domain file never imports it
 * (lint, ADR 0008). Every name is listed: nothing reaches a service by accident.
 */
export { ConfigError, env, commonEnv, loadConfig } from './config';
export { CLIENT_IDLE_CONNECTION_MS, DEFAULT_DRAIN_MS } from './http/connection-drain';
export {
  DB_POOL_MAX_DEFAULT,
  SESSION_CONNECTIONS_PER_PROCESS,
  postgresEnv,
} from './postgres-config';
export {
  kafkaEnv,
  KAFKA_CLIENTS,
  type KafkaClientName,
  kafkaClientEnv,
  kafkaClientFrom,
  kafkaSecurityEnv,
  type KafkaSecurity,
  kafkaSecurityFrom,
  KAFKA_CONSUMER_MAX_WAIT_MS_DEFAULT,
} from './kafka-config';
export { type RequestContext, tracingEnabled, runWithContext, currentContext } from './context';
export {
  childTraceparent,
  traceIdOf,
  currentTraceId,
  traceLogFields,
  nameActiveSpan,
  type SpanSettings,
  type OpenSpan,
  inSpan,
  startSpan,
  failSpan,
  activeTraceId,
  markActiveSpanFailed,
  type ServerSpan,
  startServerSpan,
  withServerSpan,
  endServerSpan,
  SpanKind,
  type Span,
} from './trace';
export { type Logger } from './logger';
export { type ConflictCode, AppError, isAppError, isTransientInfraError } from './errors';
export type { Migration, Knex } from './postgres';
export {
  DB_ACQUIRE_TIMEOUT_MS,
  Database,
  Transaction,
  rowRevision,
  whenCommitted,
  type CommitWatcher,
  type Queryable,
} from './database';
export { type ServiceHandle, EXIT_CONFIG } from './lifecycle';
export { type ReadinessCheck, type HttpApp, type HttpRequest, type HttpReply } from './http/app';
export { problemBody, problemOf, sendProblem, writeProblem } from './http/problem';
// Pure functions of the route declarations (zod only): the gateway builds its public document with them.
export {
  type OpenApiOperation,
  PROBLEM_COMPONENTS,
  openApiPath,
  operationObject,
  problemsOf,
} from './http/openapi';
export {
  type Authenticator,
  type RouteSpec,
  type RouteHandler,
  TypedRoutes,
  headerOf,
} from './http/routes';
export {
  type RetentionBatches,
  DEFAULT_BATCHES,
  deleteInBatches,
  retentionDeletions,
} from './retention';
export { metricOnce } from './metrics';
export { BoundedMemory, type BoundedMemoryOptions } from './bounded-memory';
export { requestHashOf, requireSameRequest } from './idempotency';
export { retryUntil, becomesTrue, NotYet } from './retry-until';
export { backoffDelay } from './backoff';
export {
  type CheckOutcome,
  type Refusal,
  type CheckOptions,
  KeySetChecks,
  scopesOf,
  ACCESS_TOKEN_TYPES,
  isFetchFailure,
} from './jwt-checks';
export { type RedisClient, type RedisLogin, redisUrlEnv, redisEnv } from './redis';
export {
  REDIS_PRINCIPALS,
  type RedisPrincipal,
  redisAclRules,
  redisAclSetUser,
  redisAclFileLine,
} from './redis-acl';
export {
  CursorSeal,
  loadCursorSeal,
  createCursorKey,
  dropCursorKey,
  rotateCursorKey,
} from './cursors';
export {
  EXAMPLE_SECRETS,
  MIN_SECRET_LENGTH,
  type SecretPart,
  secret,
  productionSecretProblems,
  passwordOfUrl,
} from './secrets';
