import { PROBLEMS, type ProblemCode } from '@ticketing/contracts';

/** The codes answered with 409 Conflict. */
export type ConflictCode = {
  [K in ProblemCode]: (typeof PROBLEMS)[K] extends 409 ? K : never;
}[ProblemCode];

/**
 * The one error type of the project. `code` is the stable machine code of API.md, from the
 * catalogue (libs/contracts/src/problems.ts), `status` the HTTP status the catalogue gives it,
 * and `retriable` tells a message consumer whether trying the same message again may succeed
 * (retry) or never will (dead-letter topic).
 */
export class AppError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly retriable: boolean;
  /** Extra members for the problem+json body (e.g. `position` on TOKEN_NOT_ACTIVE). */
  readonly extras: Record<string, unknown>;

  constructor(opts: {
    code: ProblemCode;
    detail: string;
    retriable?: boolean;
    extras?: Record<string, unknown>;
    cause?: unknown;
  }) {
    // A 4xx is an expected answer (a seat already taken, a bad id), never logged with a stack:
    // capturing one cost more than the rest of a refused hold (a storm's losers, measured).
    const limit = Error.stackTraceLimit;
    const status = PROBLEMS[opts.code];
    if (status < 500) Error.stackTraceLimit = 0;
    super(opts.detail, opts.cause === undefined ? undefined : { cause: opts.cause });
    Error.stackTraceLimit = limit;
    this.name = 'AppError';
    this.code = opts.code;
    this.status = status;
    this.retriable = opts.retriable ?? false;
    this.extras = opts.extras ?? {};
  }

  static validation(detail: string, extras?: Record<string, unknown>): AppError {
    return new AppError({ code: 'VALIDATION_FAILED', detail, extras });
  }

  static notFound(detail: string): AppError {
    return new AppError({ code: 'NOT_FOUND', detail });
  }

  static conflict(code: ConflictCode, detail: string, extras?: Record<string, unknown>): AppError {
    return new AppError({ code, detail, extras });
  }

  static forbidden(detail: string): AppError {
    return new AppError({ code: 'FORBIDDEN', detail });
  }

  static unauthorized(code: 'TOKEN_MISSING' | 'TOKEN_INVALID', detail: string): AppError {
    return new AppError({ code, detail });
  }

  /** A dependency is down or busy: the caller (or consumer) may try again. */
  static unavailable(detail: string, cause?: unknown): AppError {
    return new AppError({
      code: 'SERVICE_UNAVAILABLE',
      detail,
      retriable: true,
      cause,
    });
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

// Errors from the network or the database that a later attempt may not meet.
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown (backend terminated)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

/** Errors the clients raise, by class name, when the server did not answer in time or at all. */
const TRANSIENT_NAMES = new Set([
  'KnexTimeoutError', // no pooled connection within acquireConnectionTimeout
  'MaxRetriesPerRequestError', // ioredis: the server stayed away for the command's retries
  'ClusterAllFailedError', // ioredis: no node of the cluster answered
]);

/**
 * Redis' error replies while a Redis Cluster moves a slot or fails over, or a server loads its
 * data or is busy: the reply's first word is its kind (the protocol's error code).
 */
const TRANSIENT_REDIS_REPLIES = new Set([
  'CLUSTERDOWN',
  'TRYAGAIN',
  'MOVED',
  'ASK',
  'LOADING',
  'MASTERDOWN',
  'READONLY',
  'BUSY',
  'NOREPLICAS',
]);

/**
 * ioredis fails a command whose connection closed under it (a Redis killed, a primary failing
 * over) with a plain Error carrying its own constant message and no code; a cluster client that
 * kept redirecting it gives up with one that starts with its own constant text; an auto-pipeline
 * whose keys the slot map (refreshed meanwhile, in a failover) now puts on other nodes fails every
 * command in it with a third (a rehearsal's Redis failover answered 500 with it).
 */
const IOREDIS_CONNECTION_CLOSED = 'Connection is closed.';
const IOREDIS_REDIRECTIONS = 'Too many Cluster redirections.';
const IOREDIS_SLOTS_MOVED_UNDER_PIPELINE =
  'All keys in the pipeline should belong to the same slots allocation group';

/**
 * True for infrastructure failures (connection lost, database restarting, deadlock): judged on
 * codes (network errors, Postgres SQLSTATEs; a connection pg saw die carries 08006, see
 * `createDb`; Redis reply kinds), client error classes and kafkajs's own `retriable`, never on
 * free message text (only ioredis' three constants above, which it gives no code).
 */
export function isTransientInfraError(e: unknown): boolean {
  if (isAppError(e)) return e.retriable;
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  if (TRANSIENT_NAMES.has(e.name)) return true;
  if (e.name === 'ReplyError' && TRANSIENT_REDIS_REPLIES.has(e.message.split(' ', 1)[0]!))
    return true;
  if (
    e.message === IOREDIS_CONNECTION_CLOSED ||
    e.message === IOREDIS_SLOTS_MOVED_UNDER_PIPELINE ||
    e.message.startsWith(IOREDIS_REDIRECTIONS)
  )
    return true;
  return (e as { retriable?: unknown }).retriable === true; // kafkajs
}
