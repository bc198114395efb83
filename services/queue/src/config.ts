import { SERVICES } from '@ticketing/contracts';
import { commonEnv, env, kafkaEnv, loadConfig, postgresEnv } from '@ticketing/platform';
import { identityEnv, tokenCheckEnv } from '@ticketing/auth';
import { publicKeysEnv, signingKeyEnv } from '@ticketing/queue-pass';

export const configShape = {
  ...commonEnv,
  PORT: env.port(SERVICES.queue.port),
  /** What of each line must survive Redis: epoch, reserved numbers, head, admissions (ADR 0024). */
  ...postgresEnv(SERVICES.queue.database),
  /**
   * The concert service's instances: asked for a concert the queue's copy of the catalog (in
   * Redis, fed by concert.events) does not have, so a join never answers 404 for a concert the
   * catalog lists (ADR 0024).
   */
  CONCERT_URLS: env.urlList(`http://127.0.0.1:${SERVICES.concert.port}`),
  /** Redis and its key prefix (environments sharing one Redis). */
  ...tokenCheckEnv,
  /** The private key passes are signed with (ADR 0015): only the queue holds it. */
  QUEUE_PASS_SIGNING_KEY: signingKeyEnv(),
  /** Keys of earlier passes still accepted (a rotation); the signing key's own is always. */
  QUEUE_PASS_PUBLIC_KEYS: publicKeysEnv().optional(),
  /** Joining the queue takes a verified identity (API.md, Identity). */
  ...identityEnv,
  ...kafkaEnv('queue'),
  /** 0 pauses admission (maintenance, tests). */
  QUEUE_ADMIT_PER_SECOND: env.int({ default: 100, min: 0, max: 100_000 }),
  QUEUE_MAX_ACTIVE: env.int({ default: 1000, min: 0, max: 10_000_000 }),
  QUEUE_ACTIVE_TTL_SECONDS: env.int({ default: 600, min: 1 }),
  QUEUE_IDLE_TIMEOUT_SECONDS: env.int({ default: 60, min: 1 }),
  /** How often each instance runs the admission tick. */
  QUEUE_TICK_MS: env.int({ default: 1000, min: 10, max: 60_000 }),
  /**
   * Upper bound of a pass's life (JWT exp): longer than any day of sale, so a fan far back never
   * sees their pass expire before their turn; the place in Redis ends it sooner (ADR 0015).
   */
  QUEUE_TOKEN_MAX_AGE_SECONDS: env.int({ default: 604_800, min: 60 }),
  /** How old a concert's snapshot may get before an instance reads it again (polls, streams). */
  QUEUE_SNAPSHOT_MS: env.int({ default: 500, min: 10, max: 10_000 }),
  /**
   * How long a stream ticket opens the event stream (ADR 0026): a browser's EventSource
   * reconnects with it until then, then asks its pass for a new one.
   */
  QUEUE_STREAM_TICKET_TTL_SECONDS: env.int({ default: 120, min: 5, max: 3600 }),
  /** How often SSE streams are refreshed. */
  QUEUE_SSE_INTERVAL_MS: env.int({ default: 500, min: 50, max: 10_000 }),
};

export type Config = ReturnType<typeof loadServiceConfig>;

export function loadServiceConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(configShape, source);
}
