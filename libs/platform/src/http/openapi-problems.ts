import { PROBLEMS, type ProblemCode } from '@ticketing/contracts';

/**
 * What each problem code means to a reader of an API document: API.md's words where its errors
 * table has them. Every code of the table needs one, so a new code cannot reach a document
 * without it.
 */
export const PROBLEM_MEANINGS = {
  VALIDATION_FAILED:
    'malformed JSON, wrong types, ids of the wrong shape, a value out of range; `detail` names the field',
  TOKEN_MISSING: 'no `Authorization: Bearer <token>`',
  TOKEN_INVALID:
    'bad signature, wrong issuer or audience, malformed, expired or revoked, or a credential of the wrong kind',
  TOKEN_NOT_ACTIVE: 'the queue pass is still WAITING (the body carries `position`)',
  FORBIDDEN:
    "another user's or another concert's resource, or an operator's call without `ticketing:admin`",
  NOT_FOUND: 'no such concert, schedule, reservation or payment',
  PAYLOAD_TOO_LARGE: 'the body is over the size limit',
  SEAT_UNAVAILABLE: 'the seat is held or reserved by someone else',
  HOLD_LIMIT_REACHED: 'the user already holds a seat (one live hold per user)',
  PAYMENT_IN_PROGRESS: 'a live payment exists for this reservation',
  RESERVATION_ALREADY_PAID: 'the reservation already has a COMPLETED payment',
  IDEMPOTENCY_KEY_REUSED: 'the same `Idempotency-Key` came with a different body',
  RATE_LIMITED:
    "the client's request budget at the gateway is spent; `Retry-After` says when to try again",
  CONCERT_EXISTS: 'a concert of the same title at the same venue exists',
  SCHEDULE_EXISTS: 'the concert has a date at that time',
  SCHEDULE_CANCELLED: 'the date is cancelled',
  SCHEDULE_HAS_SOLD_SEATS: 'a seat of the date is sold',
  SCHEDULE_NOT_BOOKABLE: 'the date is not open for booking (`reason`: CLOSED, NOT_YET_OPEN, PAST)',
  SALES_OPEN: "the date's sales are open",
  SALES_ALREADY_OPEN: "the date's sales are already open: it can no longer change",
  SALES_NOT_OPEN: "the date's sales open later (`salesOpenAt`)",
  RESERVATION_NOT_HELD: 'the reservation is no longer held (a paid seat cannot be released)',
  BALANCE_LIMIT_EXCEEDED: 'the charge would take the balance over its limit',
  IDEMPOTENCY_KEY_IN_USE: 'a request with the same `Idempotency-Key` is still running',
  METHOD_NOT_ALLOWED: 'the path does not take this method',
  UNSUPPORTED_MEDIA_TYPE: 'the body is not `application/json`',
  INTERNAL: 'a failure of ours (the body carries `traceId`)',
  UPSTREAM_UNAVAILABLE:
    'the gateway lost the service while it may have acted: look before repeating a request that is not safe to repeat',
  SERVICE_UNAVAILABLE:
    'a dependency, or every instance of the service, is down; `Retry-After` says when to try again',
  UPSTREAM_TIMEOUT: 'the service did not answer in time',
} as const satisfies Record<ProblemCode, string>;

/** RFC 9457 problem details with the stable machine `code` of API.md. */
export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
  },
} as const;

const PROBLEM_REF = '#/components/schemas/Problem';
const CODES = Object.keys(PROBLEMS) as ProblemCode[];
const WITH_RETRY_AFTER = new Set([429, 503]);

/**
 * One response per status among `codes`: problem+json whose `code` is one of that status's
 * codes, each named with its meaning, and `Retry-After` where the status promises one.
 */
export function problemResponses(codes: Iterable<ProblemCode>): Record<string, unknown> {
  const byStatus = new Map<number, ProblemCode[]>();
  // The table's order: statuses ascending, and codes as API.md lists them.
  const wanted = new Set(codes);
  for (const code of CODES.filter((c) => wanted.has(c)).sort((a, b) => PROBLEMS[a] - PROBLEMS[b]))
    byStatus.set(PROBLEMS[code], [...(byStatus.get(PROBLEMS[code]) ?? []), code]);
  const responses: Record<string, unknown> = {};
  for (const [status, list] of byStatus) {
    responses[String(status)] = {
      description: list.map((code) => `\`${code}\`: ${PROBLEM_MEANINGS[code]}`).join('; '),
      ...(WITH_RETRY_AFTER.has(status) && {
        headers: {
          'Retry-After': {
            description: 'seconds to wait before trying again',
            schema: { type: 'integer', minimum: 0 },
          },
        },
      }),
      content: {
        'application/problem+json': {
          schema: {
            allOf: [{ $ref: PROBLEM_REF }, { properties: { code: { enum: list } } }],
          },
        },
      },
    };
  }
  return responses;
}
