/**
 * Every problem code a process of this system answers with, and its HTTP status: one table, so
 * a code always means one status. The first block is API.md's errors table, word for word
 * (libs/contracts/test/problems.unit checks it); the rest are answers API.md leaves to each
 * resource (documented in the services' OpenAPI) and the gateway's and framework's own.
 */
export const PROBLEMS = {
  // API.md, Errors
  VALIDATION_FAILED: 400,
  TOKEN_MISSING: 401,
  TOKEN_INVALID: 401,
  TOKEN_NOT_ACTIVE: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  SEAT_UNAVAILABLE: 409,
  HOLD_LIMIT_REACHED: 409,
  PAYMENT_IN_PROGRESS: 409,
  RESERVATION_ALREADY_PAID: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  // The catalogue and sales windows (concert, reservation)
  CONCERT_EXISTS: 409,
  SCHEDULE_EXISTS: 409,
  SCHEDULE_CANCELLED: 409,
  SCHEDULE_HAS_SOLD_SEATS: 409,
  SCHEDULE_NOT_BOOKABLE: 409,
  SALES_OPEN: 409,
  SALES_ALREADY_OPEN: 409,
  SALES_NOT_OPEN: 409,
  // Holds and payments
  RESERVATION_NOT_HELD: 409,
  // The wallet
  BALANCE_LIMIT_EXCEEDED: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  // HTTP itself, the gateway, the infrastructure
  METHOD_NOT_ALLOWED: 405,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  UPSTREAM_UNAVAILABLE: 502,
  SERVICE_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

/** The codes of API.md's errors table. */
export const API_PROBLEM_CODES = Object.keys(PROBLEMS).slice(
  0,
  Object.keys(PROBLEMS).indexOf('RATE_LIMITED') + 1,
) as ProblemCode[];

export const isProblemCode = (code: string): code is ProblemCode => Object.hasOwn(PROBLEMS, code);
