import type { StoredPayment } from '../domain/repositories';

/**
 * What this process last stored or read of the sagas in progress, with each one's revision, so
 * that a reply is decided without reading the payment first. A memory, not a source of truth:
 * another instance may have moved a saga since, and the write that relies on it
 * (`saveIfUnchanged`) then changes nothing and says so. Bounded: the oldest entry goes first, and
 * an ended saga is not kept (no reply moves it on).
 */
export class RecentPayments {
  private readonly known = new Map<string, StoredPayment>();

  /** `capacity` 0: remembers nothing. */
  constructor(private readonly capacity: number) {}

  recall(paymentId: string): StoredPayment | undefined {
    return this.known.get(paymentId);
  }

  remember(stored: StoredPayment): void {
    if (this.capacity === 0) return;
    const { paymentId, state } = stored.payment;
    this.known.delete(paymentId);
    if (state === 'DONE' || state === 'ENDED') return;
    this.known.set(paymentId, stored);
    if (this.known.size > this.capacity) this.known.delete(this.known.keys().next().value!);
  }

  /** Forgets the saga if what is remembered of it is still that revision (not a newer one). */
  forget(paymentId: string, revision: string): void {
    if (this.known.get(paymentId)?.revision === revision) this.known.delete(paymentId);
  }
}
