import { startPostgresMessaging } from '@ticketing/messaging/wiring';
import { retentionDeletions, type Logger, type ServiceHandle } from '@ticketing/platform';
import {
  PeriodicTask,
  PgNotifications,
  openDatabase,
  runService,
  serviceOptions,
} from '@ticketing/platform/wiring';
import { openAuth } from '@ticketing/auth';
import { migrations } from '../migrations';
import type { Config } from './config';
import { PaymentRepository } from './data-access/payment-repository';
import { RecentPayments } from './data-access/recent-payments';
import { PaymentQueries } from './domain/payment-queries';
import { PaymentRequests } from './domain/payment-requests';
import type { PaymentOutcomes, PaymentsIn } from './domain/repositories';
import { SagaDriver } from './domain/saga-driver';
import { overdueSagasMetric, paymentOutcomeMetrics } from './entry-points/metrics';
import { PaymentEndings } from './data-access/payment-endings';
import { httpRoutes } from './entry-points/http/routes';
import { messageHandlers } from './entry-points/messaging/handlers';

export const SERVICE = 'payment';

export type PaymentServiceHandle = ServiceHandle & { saga: SagaDriver; queries: PaymentQueries };

/** Wires the payment service (saga orchestrator) and runs its entry points. */
export function start(
  config: Config,
  deps: { logger?: Logger } = {},
): Promise<PaymentServiceHandle> {
  return runService(serviceOptions(SERVICE, config, deps.logger), async (kit) => {
    const db = await openDatabase(kit, config, migrations);
    const auth = await openAuth(kit, { identity: config, queuePass: config });
    const notifications = new PgNotifications({
      databaseUrl: config.DATABASE_URL,
      logger: kit.logger,
      applicationName: `payment-notifications#${kit.instanceId}`,
    });
    await notifications.start();
    kit.stops.add('database notifications', () => notifications.stop());
    const endings = new PaymentEndings(notifications);
    const stepTimeoutMs = config.SAGA_STEP_TIMEOUT_SECONDS * 1000;
    // Sagas in progress as this process last stored them, so that a reply needs no read first:
    // 10,000 covers minutes of sagas at the rates one instance takes (each entry ~1 KB of heap).
    // A saga the other instance ended is never forgotten by a step here: an entry untouched for
    // two step timeouts (the saga has moved on or timed out by then) goes.
    const recent = new RecentPayments(10_000, { forgetAfterMs: 2 * stepTimeoutMs });
    const paymentsIn: PaymentsIn = (executor) => new PaymentRepository(executor, recent);
    const requests = new PaymentRequests(db, paymentsIn, { stepTimeoutMs });
    const queries = new PaymentQueries(db, paymentsIn, endings);
    const saga = new SagaDriver(db, paymentsIn, {
      stepTimeoutMs,
      outcomes: endingsTold(paymentOutcomeMetrics(kit.metrics), endings),
      logger: kit.logger,
    });
    overdueSagasMetric(kit.metrics, queries);
    const messaging = await startPostgresMessaging({
      ...kit,
      db,
      config,
      handlers: messageHandlers(saga),
    });
    // Every instance sweeps deadlines; SKIP LOCKED keeps them from taking the same saga.
    const sweeper = new PeriodicTask(
      'saga deadline sweep',
      () => saga.sweepDue(),
      kit.logger,
    ).start(config.SAGA_SWEEP_INTERVAL_MS);
    kit.stops.add('saga sweeper', () => sweeper.stop());
    const forgotten = retentionDeletions(kit.metrics).labels('saga_steps');
    const timelines = new PeriodicTask(
      'saga timeline retention',
      async () =>
        forgotten.inc(await queries.forgetEndedTimelines(config.SAGA_TIMELINE_RETENTION_MINUTES)),
      kit.logger,
    ).start(config.RETENTION_INTERVAL_MS);
    kit.stops.add('saga timeline retention', () => timelines.stop());
    return {
      routes: (app) => httpRoutes(app, { requests, queries, credentials: auth.credentials }),
      readiness: { ...messaging.readiness, ...auth.readiness },
      securitySchemes: auth.securitySchemes,
      // Requests waiting on Prefer: wait answer at once when the service stops.
      beforeHttpStop: [['payment endings', async () => endings.stop()]],
      handle: { saga, queries },
    };
  });
}

/** Every ended payment counted, and handed to the requests of this process waiting for it. */
function endingsTold(metrics: PaymentOutcomes, endings: PaymentEndings): PaymentOutcomes {
  return {
    ended(payment) {
      metrics.ended(payment);
      endings.ended(payment);
    },
  };
}
