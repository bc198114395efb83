import type { Logger, RedisClient } from '@ticketing/platform';
import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';
import type { Admission, AdmissionSource, RedisAdmissionSource } from './admission';
import type { QueueTokenClaims } from './pass-token';

/**
 * Queue passes an instance remembers, per kind (verified signatures, ACTIVE admissions): a few
 * hundred bytes each; the least recently used go first. QUEUE_PASS_CACHE_ENTRIES.
 */
export const PASS_CACHE_DEFAULT_ENTRIES = 100_000;
// A revoked pass is not remembered as ACTIVE again by a lookup that was in flight when the
// revocation arrived; revocations are kept this long for that.
const REVOCATION_MEMORY_MS = 60_000;
const OVER = { untilMs: 0, checkedAtMs: 0 };

/**
 * The queue-gated services' view of ACTIVE passes, kept per instance so that a request costs no
 * Redis round trip: a pass found ACTIVE is remembered until its activation ends, and forgotten
 * at once when the queue announces it revoked (left, or spent by a payment) on the revocation
 * channel. After `maxAgeMs` an entry is looked up again anyway (a bound on what a lost
 * announcement could cost), and a reconnect of the subscriber forgets everything (announcements
 * of the gap are lost). WAITING and unknown passes are always looked up.
 */
export class CachedAdmissionSource implements AdmissionSource {
  /** Least recently used first out when full (never a wholesale clear). */
  private readonly active: LRUCache<string, { untilMs: number; checkedAtMs: number }>;
  private readonly revoked = new Map<string, number>();
  private readonly lookups?: Counter;
  private subscribed = false;

  constructor(
    private readonly source: RedisAdmissionSource,
    private readonly options: {
      subscriber: RedisClient;
      channel: string;
      maxAgeMs: number;
      /** The most passes remembered (PASS_CACHE_DEFAULT_ENTRIES unless told). */
      maxEntries?: number;
      logger: Logger;
      metrics?: Registry;
    },
  ) {
    this.active = new LRUCache({ max: options.maxEntries ?? PASS_CACHE_DEFAULT_ENTRIES });
    if (options.metrics)
      this.lookups = new Counter({
        name: 'queue_pass_checks_total',
        help: 'Queue pass admission checks, answered from memory or by a Redis lookup',
        labelNames: ['answered'],
        registers: [options.metrics],
      });
  }

  async start(): Promise<void> {
    const { subscriber, channel, logger } = this.options;
    subscriber.on('message', (from: string, tokenId: string) => {
      if (from !== channel) return;
      this.forget(tokenId);
      this.revoked.set(tokenId, Date.now());
    });
    subscriber.on('ready', () => {
      // Resubscribed after a reconnect: announcements of the gap are lost.
      if (this.subscribed) {
        this.active.clear();
        logger.info('queue pass revocations resubscribed; remembered passes forgotten');
      }
    });
    await subscriber.subscribe(channel);
    this.subscribed = true;
  }

  async admissionOf(claims: QueueTokenClaims): Promise<Admission | 'GONE'> {
    const now = Date.now();
    const known = this.active.get(claims.tokenId);
    if (known && known.untilMs > now && now - known.checkedAtMs < this.options.maxAgeMs) {
      this.lookups?.inc({ answered: 'memory' });
      return { status: 'ACTIVE' };
    }
    this.lookups?.inc({ answered: 'redis' });
    const found = await this.source.lookup(claims);
    if (found !== 'GONE' && 'untilMs' in found && !this.revoked.has(claims.tokenId)) {
      this.remember(claims.tokenId, found.untilMs, now);
      return { status: 'ACTIVE' };
    }
    this.forget(claims.tokenId);
    return found === 'GONE' || found.status === 'WAITING' ? found : { status: 'ACTIVE' };
  }

  /**
   * No longer ACTIVE here. lru-cache empties every one of its arrays (O(max)) when its last entry is
   * deleted, which at a quiet hour is every revocation, once per
   * saga: the last entry is overwritten as over instead, and looked up again if asked.
   */
  private forget(tokenId: string): void {
    if (!this.active.has(tokenId)) return;
    if (this.active.size > 1) this.active.delete(tokenId);
    else this.active.set(tokenId, OVER);
  }

  private remember(tokenId: string, untilMs: number, now: number): void {
    this.active.set(tokenId, { untilMs, checkedAtMs: now });
    for (const [id, at] of this.revoked) {
      if (now - at < REVOCATION_MEMORY_MS) break; // insertion order: the rest are newer
      this.revoked.delete(id);
    }
  }

  async stop(): Promise<void> {
    await this.options.subscriber.quit().catch(() => undefined);
  }
}
