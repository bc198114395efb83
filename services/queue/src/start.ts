import { PassVerifier, STREAM_TICKET_ISSUER, TokenSigner, openAuth } from '@ticketing/auth';
import { startDirectMessaging } from '@ticketing/messaging/wiring';
import { type Logger, type ServiceHandle } from '@ticketing/platform';
import { runService, serviceOptions } from '@ticketing/platform/wiring';
import type { Config } from './config';
import { QueueStore } from './data-access/queue-store';
import { openQueueRedis } from './data-access/redis';
import { AdmissionTicker } from './domain/admission';
import { Liveness, SeenMarks } from './domain/liveness';
import { WaitingQueue, type QueueSettings } from './domain/queue';
import { Snapshots } from './domain/snapshots';
import { httpRoutes } from './entry-points/http/routes';
import { QueueEventStreams } from './entry-points/http/sse';
import { messageHandlers } from './entry-points/messaging/handlers';

export const SERVICE = 'queue';

export type QueueServiceHandle = ServiceHandle & {
  ticker: AdmissionTicker;
  store: QueueStore;
  queue: WaitingQueue;
  streams: QueueEventStreams;
};

const settingsFrom = (c: Config): QueueSettings => ({
  admitPerSecond: c.QUEUE_ADMIT_PER_SECOND,
  maxActive: c.QUEUE_MAX_ACTIVE,
  activeTtlMs: c.QUEUE_ACTIVE_TTL_SECONDS * 1000,
  idleMs: c.QUEUE_IDLE_TIMEOUT_SECONDS * 1000,
  tokenMaxAgeSeconds: c.QUEUE_TOKEN_MAX_AGE_SECONDS,
  streamTicketTtlSeconds: c.QUEUE_STREAM_TICKET_TTL_SECONDS,
});

/** Wires the queue service and runs its entry points; the handle stops them in reverse order. */
export function start(config: Config, deps: { logger?: Logger } = {}): Promise<QueueServiceHandle> {
  return runService(serviceOptions(SERVICE, config, deps.logger), async (kit) => {
    const redis = openQueueRedis(kit, config);
    const store = new QueueStore(redis, config.REDIS_KEY_PREFIX);
    const settings = settingsFrom(config);
    const signer = new TokenSigner(config.QUEUE_PASS_SIGNING_KEY);
    const publicKeys = {
      keys: [...signer.publicKeys.keys, ...(config.QUEUE_PASS_PUBLIC_KEYS?.keys ?? [])],
    };
    const passVerifier = new PassVerifier(publicKeys);
    const streamTickets = new PassVerifier(publicKeys, STREAM_TICKET_ISSUER);
    const liveness = new Liveness(settings.idleMs);
    const snapshots = new Snapshots(store, config.QUEUE_SNAPSHOT_MS);
    const seen = new SeenMarks(store, liveness);
    const queue = new WaitingQueue(store, signer, settings, snapshots, liveness, seen);
    const auth = await openAuth(kit, { identity: config, passVerifier, streamTickets });
    // Redis has no transactions with Kafka: the handlers are idempotent and reply directly.
    const messaging = await startDirectMessaging({
      ...kit,
      config,
      handlers: messageHandlers({ queue }),
    });
    const ticker = new AdmissionTicker(
      store,
      settings,
      liveness,
      snapshots,
      kit.logger,
      kit.metrics,
    );
    ticker.start(config.QUEUE_TICK_MS);
    kit.stops.add('admission', () => ticker.stop());
    // The fans seen since the last flush: one batch of writes per interval, not one per poll.
    const flusher = setInterval(() => {
      seen.flush().catch((err: unknown) => kit.logger.warn({ err }, 'seen marks not written'));
    }, liveness.flushEveryMs(config.QUEUE_SNAPSHOT_MS));
    kit.stops.add('seen marks', () => {
      clearInterval(flusher);
      return seen.flush();
    });
    const streams = new QueueEventStreams(queue, kit.logger);
    streams.start(config.QUEUE_SSE_INTERVAL_MS);
    return {
      routes: (app) => httpRoutes(app, { queue, credentials: auth.credentials, streams }),
      securitySchemes: auth.securitySchemes,
      readiness: { ...auth.readiness, redis: () => redis.ping(), ...messaging.readiness },
      // Open streams end first, so the server can close; clients reconnect elsewhere.
      beforeHttpStop: [['sse streams', () => streams.stop()]],
      handle: { ticker, store, queue, streams },
    };
  });
}
