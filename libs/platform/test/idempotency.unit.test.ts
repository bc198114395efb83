import { isAppError } from '../src/errors';
import { requestHashOf, requireSameRequest } from '../src/idempotency';

describe('Idempotency-Key: one request per key', () => {
  it('when the same request comes again, then it has the same hash and is accepted', () => {
    const first = requestHashOf({ amount: 5000 });
    expect(requestHashOf({ amount: 5000 })).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(() => requireSameRequest(first, requestHashOf({ amount: 5000 }))).not.toThrow();
  });

  it('when another request comes with the key, then it is refused with IDEMPOTENCY_KEY_REUSED', () => {
    const first = requestHashOf({ reservationId: 'a' });
    let refusal: unknown;
    try {
      requireSameRequest(first, requestHashOf({ reservationId: 'b' }));
    } catch (err) {
      refusal = err;
    }
    expect(isAppError(refusal) && refusal.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(() => requireSameRequest(null, first)).toThrow(/different request/);
  });
});
