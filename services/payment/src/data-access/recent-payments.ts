import { BoundedMemory, type BoundedMemoryOptions } from '@ticketing/platform';
import type { StoredPayment } from '../domain/repositories';

/**
 * What this process last stored or read of the sagas in progress, with each one's revision, so
 * that a reply is decided without reading the payment first. A memory, not a source of truth:
 * another instance may have moved a saga since, and the write that relies on it
 * (`saveIfUnchanged`) then changes nothing and says so. Bounded: the oldest entry goes first, and
 * an ended saga is not kept (no reply moves it on), nor one untouched for longer than
 * `forgetAfterMs` (ended by another instance, whose steps this one never sees).
 */
export class RecentPayments {
  private readonly known: BoundedMemory<string, StoredPayment>;

  /** `capacity` 0: remembers nothing; `forgetAfterMs`: an entry not touched that long goes. */
  constructor(capacity: number, options: BoundedMemoryOptions = {}) {
    this.known = new BoundedMemory(capacity, options);
  }

  recall(paymentId: string): StoredPayment | undefined {
    return this.known.recall(paymentId);
  }

  remember(stored: StoredPayment): void {
    const { paymentId, state } = stored.payment;
    if (state === 'DONE' || state === 'ENDED') this.known.forget(paymentId);
    else this.known.remember(paymentId, stored);
  }

  /** Forgets the saga if what is remembered of it is still that revision (not a newer one). */
  forget(paymentId: string, revision: string): void {
    this.known.forgetIf(paymentId, (known) => known.revision === revision);
  }
}
