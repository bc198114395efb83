import { AppError, backoffDelay, isAppError, isTransientInfraError } from '@ticketing/platform';
import type { DltReason } from '../dlt';

/** What to do after a handler failed on a message. */
export type AfterFailure =
  | { action: 'retry'; delayMs: number }
  | { action: 'dead-letter'; reason: DltReason; error: string }
  /** The consumer is stopping: leave the message uncommitted for the partition's next owner. */
  | { action: 'leave' };

export interface DeliveryPolicyOptions {
  /** Attempts for a failing handler before the message goes to the dead-letter topic. */
  maxAttempts?: number;
  retryBaseMs?: number;
  maxDelayMs?: number;
}

/**
 * Retries and dead-lettering: a refusal the domain marks final goes to the dead-letter topic at
 * once; an outage of the service's own database or broker is not the message's fault and is
 * waited out, however long; anything else is retried with backoff, then dead-lettered.
 */
export class DeliveryPolicy {
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly maxDelayMs: number;

  constructor(options: DeliveryPolicyOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryBaseMs = options.retryBaseMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
  }

  afterFailure(err: unknown, attempt: number, stopping: boolean): AfterFailure {
    if (isAppError(err) && !err.retriable)
      return { action: 'dead-letter', reason: 'HANDLER_REJECTED', error: describe(err) };
    if (stopping) return { action: 'leave' };
    const outage = !isAppError(err) && isTransientInfraError(err);
    if (!outage && attempt >= this.maxAttempts)
      return { action: 'dead-letter', reason: 'RETRIES_EXHAUSTED', error: describe(err) };
    const delayMs = backoffDelay(attempt, { firstMs: this.retryBaseMs, maxMs: this.maxDelayMs });
    return { action: 'retry', delayMs };
  }
}

/** An error as one line for a dead letter's header and the logs. */
export function describe(err: unknown): string {
  if (err instanceof AppError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
