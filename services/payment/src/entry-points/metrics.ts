import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PaymentQueries } from '../domain/payment-queries';
import type { PaymentOutcomes } from '../domain/repositories';

/** payments_ended_total{status,failure_code} and the saga's request→end duration. */
export function paymentOutcomeMetrics(registry: Registry): PaymentOutcomes {
  const ended = new Counter({
    name: 'payments_ended_total',
    help: 'Payments that ended, by status and failure code',
    labelNames: ['status', 'failure_code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'payment_saga_duration_seconds',
    help: 'From the payment request to its end (COMPLETED or FAILED)',
    labelNames: ['status'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  return {
    ended(payment) {
      ended.inc({ status: payment.status, failure_code: payment.failureCode ?? '' });
      duration.observe(
        { status: payment.status },
        (Date.now() - payment.createdAt.getTime()) / 1000,
      );
    },
  };
}

/**
 * `payment_sagas_overdue`: sagas still past their deadline a minute after it (the sweep moves a
 * due saga on within SAGA_SWEEP_INTERVAL_MS; one that stays is stuck). Counted at scrape time;
 * alert TicketingSagaPastDeadline (deploy/k8s).
 */
export function overdueSagasMetric(registry: Registry, payments: PaymentQueries): void {
  new Gauge({
    name: 'payment_sagas_overdue',
    help: 'Sagas more than a minute past their deadline (stuck: the sweep moves due ones on)',
    registers: [registry],
    async collect() {
      try {
        this.set(await payments.overdueSagas(60));
      } catch {
        // The database unreachable: readiness says so; the last figure stays.
      }
    },
  });
}
