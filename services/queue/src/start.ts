import { openAuth } from '@ticketing/auth';
import { PassVerifier, STREAM_TICKET_ISSUER, TokenSigner } from '@ticketing/queue-pass';
import { startDirectMessaging } from '@ticketing/messaging/wiring';
import { type Logger, type ServiceHandle } from '@ticketing/platform';
import { PeriodicTask, openDatabase, runService, serviceOptions } from '@ticketing/platform/wiring';
import { migrations } from '../migrations';
import type { Config } from './config';
import { CatalogClient } from './data-access/catalog-client';
import { PgLineJournal } from './data-access/line-journal';
import { RedisQueueStore } from './data-access/queue-store';
import { openQueueRedis } from './data-access/redis';
import { AdmissionTicker } from './domain/admission';
import { KnownConcerts } from './domain/known-concerts';
import { LineDurability } from './domain/line-durability';
import { Liveness, SeenMarks } from './domain/liveness';
import { Joining } from './domain/joining';
import { Places } from './domain/places';
import { StreamTickets } from './domain/stream-tickets';
import type { QueueSettings } from './domain/settings';
import { SnapshotCache } from './domain/snapshot-cache';
import { httpRoutes } from './entry-points/http/routes';
import { QueueEventStreams } from './entry-points/http/sse';
import { messageHandlers } from './entry-points/messaging/handlers';
import { queueMetrics } from './entry-points/metrics';

export const SERVICE = 'queue';

// How often each instance asks Redis whether its primaries have replicas to wait for.
const REPLICAS_EVERY_MS = 10_000;
// How often each instance removes head moves older than the audit keeps them.
const RETENTION_EVERY_MS = 3_600_000;

const settingsFrom = (c: Config): QueueSettings => ({
  admitPerSecond: c.QUEUE_ADMIT_PER_SECOND,
  maxActive: c.QUEUE_MAX_ACTIVE,
  activeTtlMs: c.QUEUE_ACTIVE_TTL_SECONDS * 1000,
  idleMs: c.QUEUE_IDLE_TIMEOUT_SECONDS * 1000,
  tokenMaxAgeSeconds: c.QUEUE_TOKEN_MAX_AGE_SECONDS,
  streamTicketTtlSeconds: c.QUEUE_STREAM_TICKET_TTL_SECONDS,
});

/** Wires the queue service and runs its entry points; the handle stops them in reverse order. */
export function start(config: Config, deps: { logger?: Logger } = {}): Promise<ServiceHandle> {
  return runService(serviceOptions(SERVICE, config, deps.logger), async (kit) => {
    const db = await openDatabase(kit, config, migrations);
    const journal = new PgLineJournal(db);
    const redis = openQueueRedis(kit, config);
    const store = new RedisQueueStore(redis, config.REDIS_KEY_PREFIX, (missing) =>
      kit.logger.warn(
        missing,
        'a write was answered before a Redis replica had it: waiting for replicas paused',
      ),
    );
    // Writes wait for a replica where there is one (ADR 0024): asked now and every few seconds.
    const replicas = new PeriodicTask(
      'redis replica discovery',
      () => store.acks.discover(),
      kit.logger,
    );
    await replicas.runOnce();
    replicas.start(REPLICAS_EVERY_MS);
    kit.stops.add('replica discovery', () => replicas.stop());
    const metrics = queueMetrics(kit.metrics);
    const settings = settingsFrom(config);
    const signer = new TokenSigner(config.QUEUE_PASS_SIGNING_KEY);
    const publicKeys = {
      keys: [...signer.publicKeys.keys, ...(config.QUEUE_PASS_PUBLIC_KEYS?.keys ?? [])],
    };
    const passVerifier = new PassVerifier(publicKeys);
    const streamTickets = new PassVerifier(publicKeys, STREAM_TICKET_ISSUER);
    const liveness = new Liveness(settings.idleMs);
    const snapshots = new SnapshotCache(store, config.QUEUE_SNAPSHOT_MS);
    const seen = new SeenMarks(store, liveness);
    const concerts = new KnownConcerts(store, new CatalogClient(config.CONCERT_URLS));
    const durability = new LineDurability(
      store,
      journal,
      concerts,
      liveness,
      kit.logger,
      metrics,
      settings,
    );
    const joining = new Joining(store, signer, settings, snapshots, liveness, durability, concerts);
    const places = new Places(store, settings, snapshots, liveness, seen, durability);
    const tickets = new StreamTickets(places, signer, settings);
    const auth = await openAuth(kit, {
      identity: config,
      passVerifier,
      streamTickets,
      passCacheEntries: config.QUEUE_PASS_CACHE_ENTRIES,
    });
    // Redis has no transactions with Kafka: the handlers are idempotent and reply directly.
    const messaging = await startDirectMessaging({
      ...kit,
      config,
      handlers: messageHandlers({ places, concerts }),
    });
    const ticker = new AdmissionTicker(
      store,
      settings,
      liveness,
      snapshots,
      kit.logger,
      metrics,
      durability,
    );
    const admission = new PeriodicTask('admission tick', () => ticker.tick(), kit.logger).start(
      config.QUEUE_TICK_MS,
    );
    // Head moves and numbers Postgres did not take yet live only here: tried once more, or logged.
    kit.stops.add('admission', async () => {
      await admission.stop();
      await durability.flush();
    });
    const retention = new PeriodicTask(
      'head moves retention',
      () => durability.purgeOldAdmissions(),
      kit.logger,
    ).start(RETENTION_EVERY_MS);
    kit.stops.add('head moves retention', () => retention.stop());
    // The fans seen since the last flush: one batch of writes per interval, not one per poll.
    const flusher = new PeriodicTask('seen marks flush', () => seen.flush(), kit.logger).start(
      liveness.flushEveryMs(config.QUEUE_SNAPSHOT_MS),
    );
    kit.stops.add('seen marks', async () => {
      await flusher.stop();
      await seen.flush();
    });
    const streams = new QueueEventStreams(places, kit.logger);
    streams.start(config.QUEUE_SSE_INTERVAL_MS);
    return {
      routes: (app) =>
        httpRoutes(app, { joining, places, tickets, credentials: auth.credentials, streams }),
      securitySchemes: auth.securitySchemes,
      readiness: { ...auth.readiness, redis: () => redis.ping(), ...messaging.readiness },
      // Open streams end first, so the server can close; clients reconnect elsewhere.
      beforeHttpStop: [['sse streams', () => streams.stop()]],
    };
  });
}
