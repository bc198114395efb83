import type { Queryable } from '@ticketing/platform';
import type { PaymentRepository } from '../data-access/payment-repository';
import type { Payment } from './payment';

/**
 * The payment repository over the pool or a transaction: the use cases are handed this factory
 * (wired in start.ts) rather than constructing repositories, so a test can hand them its own.
 */
export type PaymentsIn = (executor: Queryable) => PaymentRepository;

/**
 * Told of every payment that ends, as stored, once its transaction has committed (metrics, and
 * the requests of this process waiting for it: Prefer: wait).
 */
export interface PaymentOutcomes {
  ended(payment: Payment): void;
}
