import { startPostgresMessaging } from '@ticketing/messaging';
import {
  PeriodicTask,
  retentionDeletions,
  PgNotifications,
  openDatabase,
  runService,
  serviceOptions,
  type Logger,
  type ServiceHandle,
} from '@ticketing/platform';
import { openAuth } from '@ticketing/auth';
import { migrations } from '../migrations';
import type { Config } from './config';
import { Payments } from './domain/payments';
import { overdueSagasMetric, paymentOutcomeMetrics } from './entry-points/metrics';
import { PaymentEndings } from './data-access/payment-endings';
import { httpRoutes } from './entry-points/http/routes';
import { messageHandlers } from './entry-points/messaging/handlers';

export const SERVICE = 'payment';

export type PaymentServiceHandle = ServiceHandle & { payments: Payments };

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
    const payments = new Payments(db, {
      stepTimeoutMs: config.SAGA_STEP_TIMEOUT_SECONDS * 1000,
      outcomes: paymentOutcomeMetrics(kit.metrics),
      endings,
      logger: kit.logger,
    });
    overdueSagasMetric(kit.metrics, payments);
    const messaging = await startPostgresMessaging({
      ...kit,
      db,
      config,
      handlers: messageHandlers(payments),
    });
    // Every instance sweeps deadlines; SKIP LOCKED keeps them from taking the same saga.
    const sweeper = new PeriodicTask(
      'saga deadline sweep',
      () => payments.sweepDue(),
      kit.logger,
    ).start(config.SAGA_SWEEP_INTERVAL_MS);
    kit.stops.add('saga sweeper', () => sweeper.stop());
    const forgotten = retentionDeletions(kit.metrics).labels('saga_steps');
    const timelines = new PeriodicTask(
      'saga timeline retention',
      async () =>
        forgotten.inc(await payments.forgetEndedTimelines(config.SAGA_TIMELINE_RETENTION_MINUTES)),
      kit.logger,
    ).start(config.RETENTION_INTERVAL_MS);
    kit.stops.add('saga timeline retention', () => timelines.stop());
    return {
      routes: (app) => httpRoutes(app, { payments, credentials: auth.credentials }),
      readiness: { ...messaging.readiness, ...auth.readiness },
      securitySchemes: auth.securitySchemes,
      // Requests waiting on Prefer: wait answer at once when the service stops.
      beforeHttpStop: [['payment endings', async () => endings.stop()]],
      handle: { payments },
    };
  });
}
