import { AppError } from '@ticketing/platform';
import { DeliveryPolicy, describe as describeError } from '../../src/consumer/delivery-policy';

const policy = new DeliveryPolicy({ maxAttempts: 3, retryBaseMs: 100, maxDelayMs: 1000 });
const pgError = (code: string) => Object.assign(new Error('database'), { code });

describe('DeliveryPolicy', () => {
  it('when the domain refuses a message for good, then it is dead-lettered at once with the code', () => {
    const refusal = new AppError({ code: 'VALIDATION_FAILED', detail: 'bad seat' });
    expect(policy.afterFailure(refusal, 1, false)).toEqual({
      action: 'dead-letter',
      reason: 'HANDLER_REJECTED',
      error: 'VALIDATION_FAILED: bad seat',
    });
  });

  it('when a handler fails for another reason, then it is retried with backoff, then dead-lettered', () => {
    const bug = new TypeError('x is undefined');
    expect(policy.afterFailure(bug, 1, false)).toEqual({ action: 'retry', delayMs: 100 });
    expect(policy.afterFailure(bug, 2, false)).toEqual({ action: 'retry', delayMs: 200 });
    expect(policy.afterFailure(bug, 3, false)).toEqual({
      action: 'dead-letter',
      reason: 'RETRIES_EXHAUSTED',
      error: 'TypeError: x is undefined',
    });
  });

  it('when the database or broker is out, then it is waited out past the attempts, at the longest delay', () => {
    expect(policy.afterFailure(pgError('57P01'), 50, false)).toEqual({
      action: 'retry',
      delayMs: 1000,
    });
    const kafka = Object.assign(new Error('leader not available'), { retriable: true });
    expect(policy.afterFailure(kafka, 9, false)).toEqual({ action: 'retry', delayMs: 1000 });
  });

  it('when a retriable refusal is retried, then its attempts are counted like any failure', () => {
    const busy = new AppError({ code: 'SERVICE_UNAVAILABLE', detail: 'busy', retriable: true });
    expect(policy.afterFailure(busy, 3, false)).toMatchObject({ action: 'dead-letter' });
  });

  it('when the consumer is stopping, then a failing message is left for the next owner, not dead-lettered', () => {
    expect(policy.afterFailure(new Error('x'), 1, true)).toEqual({ action: 'leave' });
    expect(policy.afterFailure(pgError('08006'), 1, true)).toEqual({ action: 'leave' });
  });

  it('when an error is described, then it is one line with its code or name', () => {
    expect(describeError('text')).toBe('text');
    expect(describeError(new RangeError('r'))).toBe('RangeError: r');
  });
});
