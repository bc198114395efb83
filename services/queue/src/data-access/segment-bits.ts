import { offsetOf, queueKeys, segmentKeys, segmentOf } from '@ticketing/queue-pass';
import type { RedisClient } from '@ticketing/platform';
import type { SegmentBits } from '../domain/records';
import type { SegmentBitsStore } from '../domain/stores';
import type { ReplicaAcks } from './replica-acks';
import type { RedisCommand } from './scripts';

// Seen bitmaps whose expiry is remembered (a concert's segments of one or two windows).
const EXPIRING_KEYS_MAX = 100_000;

/** Numbers by segment, as offsets in it. */
export function groupBySegment(numbers: number[]): Map<number, number[]> {
  const bySegment = new Map<number, number[]>();
  for (const n of numbers) {
    const s = segmentOf(n);
    let offsets = bySegment.get(s);
    if (!offsets) bySegment.set(s, (offsets = []));
    offsets.push(offsetOf(n));
  }
  return bySegment;
}

/** A bitmap as Redis returned it (a missing key: no bits). */
export const bitsOf = (b: Buffer | null): Uint8Array => (b ? new Uint8Array(b) : new Uint8Array(0));

/**
 * Each fan's two bits, in segments of numbers (ADR 0015): alive (in line, or admitted and not
 * gone) and seen (per window of the idle timeout). Plain SETBIT/BITFIELD commands, one per
 * segment, on the segment's own hash tag.
 */
export class RedisSegmentBits implements SegmentBitsStore {
  /** Seen bitmaps whose expiry this instance set, and for which window. */
  private readonly expiring = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient,
    private readonly acks: ReplicaAcks,
  ) {}

  /**
   * A new fan is seen, then alive (in that order: an alive bit always has its seen bit); with a
   * replica, answered once it has both (ADR 0024).
   */
  async markJoined(concertId: number, number: number, window: number, seenTtlMs: number) {
    const keys = segmentKeys(concertId, segmentOf(number));
    const seen = keys.seen(window);
    const commands: RedisCommand[] = [{ name: 'setbit', args: [seen, offsetOf(number), 1] }];
    if (this.expiresFirst(seen, window))
      commands.push({ name: 'pexpire', args: [seen, seenTtlMs] });
    commands.push({ name: 'setbit', args: [keys.alive, offsetOf(number), 1] });
    await this.acks.write(...commands);
  }

  /** Clears a number's alive bit; true if it was set. */
  async clearAlive(concertId: number, number: number): Promise<boolean> {
    const keys = segmentKeys(concertId, segmentOf(number));
    const wasAlive = (await this.redis.setbit(keys.alive, offsetOf(number), 0)) === 1;
    if (wasAlive) await this.countDepartures(concertId, [segmentOf(number)]);
    return wasAlive;
  }

  /** Clears the alive bits of many numbers (idle fans dropped), one command per segment. */
  async clearMany(concertId: number, numbers: number[]): Promise<void> {
    const bySegment = groupBySegment(numbers);
    await Promise.all(
      [...bySegment].map(([segment, offsets]) =>
        this.redis.call(
          'BITFIELD',
          segmentKeys(concertId, segment).alive,
          ...offsets.flatMap((o) => ['SET', 'u1', o, 0]),
        ),
      ),
    );
    await this.countDepartures(concertId, [...bySegment.keys()]);
  }

  /** Fans seen during a window (polls and streams of one instance), one command per segment. */
  async markSeen(concertId: number, window: number, numbers: number[], seenTtlMs: number) {
    await Promise.all(
      [...groupBySegment(numbers)].flatMap(([segment, offsets]) => {
        const key = segmentKeys(concertId, segment).seen(window);
        const set = this.redis.call(
          'BITFIELD',
          key,
          ...offsets.flatMap((o) => ['SET', 'u1', o, 1]),
        );
        return this.expiresFirst(key, window) ? [set, this.redis.pexpire(key, seenTtlMs)] : [set];
      }),
    );
  }

  /** Alive and seen bitmaps of segments (seen: one per window asked). */
  async readSegments(
    concertId: number,
    segments: number[],
    windows: number[],
  ): Promise<SegmentBits[]> {
    return Promise.all(
      segments.map(async (segment) => {
        const keys = segmentKeys(concertId, segment);
        const [alive, ...seen] = await Promise.all([
          this.redis.getBuffer(keys.alive),
          ...windows.map((w) => this.redis.getBuffer(keys.seen(w))),
        ]);
        return { segment, alive: bitsOf(alive), seen: seen.map(bitsOf) };
      }),
    );
  }

  /**
   * Snapshots read these segments again (after the bits were cleared, never before: a snapshot
   * that sees the count also sees the bits).
   */
  private async countDepartures(concertId: number, segments: number[]): Promise<void> {
    const changes = queueKeys(concertId).changes;
    await Promise.all(segments.map((s) => this.redis.hincrby(changes, String(s), 1)));
  }

  /**
   * A window's seen bitmap outlives its window by a fixed time: the first write of this instance
   * sets that, later writes to the same key need not (one PEXPIRE per key and instance, not one
   * per join or per batch). True when this write is the first.
   */
  private expiresFirst(key: string, window: number): boolean {
    if (this.expiring.get(key) === window) return false;
    if (this.expiring.size >= EXPIRING_KEYS_MAX) {
      for (const [k, w] of this.expiring) if (w < window) this.expiring.delete(k);
      if (this.expiring.size >= EXPIRING_KEYS_MAX) this.expiring.clear();
    }
    this.expiring.set(key, window);
    return true;
  }
}
