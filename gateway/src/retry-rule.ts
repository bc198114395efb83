/**
 * How one try of a request at one instance ended, when it did not answer the client. An
 * instance's answer, whatever its status, is passed on — but for a 503 to a request safe to
 * repeat while the hold lasts (`unavailable`).
 */
export type Failure =
  /** The connection was refused or could not be made: no process saw the request. */
  | 'not-connected'
  /** A kept-alive connection was reset before the request was read: no handler ran it. */
  | 'reset-unread'
  /** The connection broke after the request was sent, before the whole answer came back. */
  | 'broken'
  /** The instance answered 503 to a request safe to repeat; its answer was dropped. */
  | 'unavailable'
  /** No whole answer within the upstream timeout: it may still be running. */
  | 'timed-out'
  /** The client left: nobody to answer. */
  | 'client-gone';

/** What the gateway does after a failed try. */
export type Next =
  /** The next instance; once every one has been tried, all again after a pause while held. */
  | 'try-next'
  /** 502 UPSTREAM_UNAVAILABLE: it may have been done, the client looks before repeating it. */
  | 'answer-502'
  /** 504 UPSTREAM_TIMEOUT. */
  | 'answer-504'
  /** The instance's own answer (a 503 with its Retry-After) goes to the client as it is. */
  | 'pass-on'
  | 'give-up';

/**
 * The gateway sends a request again only when the failure proves it was not done, or when doing
 * it twice does nothing twice (ADR 0005, ADR 0022): a request is safe to repeat when its method
 * is idempotent or it carries an Idempotency-Key, which the services honour.
 *
 * | failure       | what it proves                       | safe to repeat | a write without a key |
 * | ------------- | ------------------------------------ | -------------- | --------------------- |
 * | not-connected | never reached a process              | try-next       | try-next              |
 * | reset-unread  | reached one that never read it       | try-next       | try-next              |
 * | broken        | may have been done                   | try-next       | answer-502            |
 * | unavailable   | the instance cannot take it just now | try-next       | pass-on               |
 * | timed-out     | may still be running                 | answer-504     | answer-504            |
 * | client-gone   | nobody is waiting for the answer     | give-up        | give-up               |
 *
 * Past the hold, a request still trying gets 503 SERVICE_UNAVAILABLE with Retry-After: what
 * is tried again is either not done or safe to repeat, so the client may send it again.
 */
const RULE: Record<Failure, { safe: Next; unkeyed: Next }> = {
  'not-connected': { safe: 'try-next', unkeyed: 'try-next' },
  'reset-unread': { safe: 'try-next', unkeyed: 'try-next' },
  broken: { safe: 'try-next', unkeyed: 'answer-502' },
  unavailable: { safe: 'try-next', unkeyed: 'pass-on' },
  'timed-out': { safe: 'answer-504', unkeyed: 'answer-504' },
  'client-gone': { safe: 'give-up', unkeyed: 'give-up' },
};

export function nextAfter(failure: Failure, safeToRepeat: boolean): Next {
  const rule = RULE[failure];
  return safeToRepeat ? rule.safe : rule.unkeyed;
}

// Retrying these after an ambiguous failure cannot do anything twice: they are idempotent by the
// HTTP contract.
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'PUT']);

/** Idempotent by its method, or by the key the services honour. */
export function safeToRepeat(method: string | undefined, idempotencyKey: unknown): boolean {
  return IDEMPOTENT_METHODS.has(method ?? 'GET') || idempotencyKey !== undefined;
}
