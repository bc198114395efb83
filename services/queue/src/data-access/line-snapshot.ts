import { parseCohort, queueKeys, segmentKeys, segmentOf } from '@ticketing/queue-pass';
import type { RedisClient } from '@ticketing/platform';
import type { SnapshotData } from '../domain/records';
import { bitsOf } from './segment-bits';

// Segments before the head read into a snapshot (admitted fans still active).
const MAX_SEGMENTS_BEHIND_HEAD = 64;
// A number handed out this long ago surely has its alive bit set (a join gives up long before):
// segments of numbers younger than that are read again by every snapshot.
const BIT_SURELY_SET_MS = 10_000;
// Departures are counted per segment after the bit is cleared; a count lost to a crash between
// the two is healed by reading every segment again at this period.
const FULL_READ_MS = 30_000;

/** The line's counters a snapshot reads (s1/t1, s2/t2: the tick's samples of the counter). */
const META_FIELDS = ['head', 'seq', 'epoch', 's1', 't1', 's2', 't2', 'gen', 'retired'] as const;
type Meta = Record<(typeof META_FIELDS)[number], string | null>;
const byName = (values: (string | null)[]): Meta =>
  Object.fromEntries(META_FIELDS.map((f, i) => [f, values[i] ?? null])) as Meta;

/**
 * The concert's queue as of now: two round trips. The first reads the counters, the admitted
 * ranges and each segment's departures count; the second reads the alive bitmaps of the segments
 * that changed since `previous` (a departure counted, or numbers not yet settled), all of them
 * every FULL_READ_MS. A crowd's poll interval costs a few bitmaps, not all.
 */
export async function readSnapshot(
  redis: RedisClient,
  concertId: number,
  previous: SnapshotData | undefined,
  /** How long a join may take between its number and its bit (the admission's settle time). */
  joinSettleMs: number,
): Promise<SnapshotData> {
  const keys = queueKeys(concertId);
  const now = Date.now();
  const [values, soldOut, members, changes] = await Promise.all([
    redis.hmget(keys.meta, ...META_FIELDS),
    redis.hget(keys.sales, 'soldOut'),
    redis.zrange(keys.cohorts, 0, -1),
    redis.hgetall(keys.changes),
  ]);
  const meta = byName(values);
  const head = Number(meta.head ?? 0);
  const seq = Number(meta.seq ?? 0);
  // A line that ended, or that the store lost, has no epoch a pass could name.
  const epoch = meta.retired === null ? Number(meta.epoch ?? 0) : 0;
  const gen = Number(meta.gen ?? 0);
  const cohorts = members.map(parseCohort);
  const oldest = Math.min(head + 1, ...cohorts.map((c) => c.from));
  const first = Math.max(segmentOf(oldest), segmentOf(head) - MAX_SEGMENTS_BEHIND_HEAD);
  // A line rebuilt after a loss (a new `gen`) is read afresh: what was read before is not it.
  const sameLine = previous !== undefined && previous.epoch === epoch && previous.gen === gen;
  const incremental = sameLine && now - previous.fullAtMs < FULL_READ_MS;
  // The counter's history outlives a full read: what settled before it is still settled, and
  // the reads after it take only the young numbers' bitmaps again (not every one until BIT_SURELY_SET_MS).
  const counters = [...(sameLine ? previous.counters : []), [now, seq] as [number, number]];
  while (counters.length > 1 && counters[1]![0] <= now - BIT_SURELY_SET_MS) counters.shift();
  const settled = counters[0]![0] <= now - BIT_SURELY_SET_MS ? counters[0]![1] : 0;
  // The counter as it was a join's settle time before this read: from this instance's earlier
  // reads, or from the samples the admission tick keeps in the counters' hash (Redis time).
  let settledSeq = 0;
  for (const [at, n] of counters)
    if (at <= now - joinSettleMs) settledSeq = Math.max(settledSeq, n);
  for (const [s, t] of [
    [meta.s1, meta.t1],
    [meta.s2, meta.t2],
  ])
    if (t && Number(t) > 0 && Number(t) <= now - joinSettleMs)
      settledSeq = Math.max(settledSeq, Number(s ?? 0));
  const segments = new Map<number, Uint8Array>();
  const versions = new Map<number, string>();
  const wanted: number[] = [];
  for (let s = first; s <= segmentOf(seq); s++) {
    const version = changes[String(s)] ?? '0';
    versions.set(s, version);
    const known = incremental ? previous.segments.get(s) : undefined;
    if (known && s < segmentOf(settled) && previous!.versions.get(s) === version)
      segments.set(s, known);
    else wanted.push(s);
  }
  const bitmaps = await Promise.all(
    wanted.map((s) => redis.getBuffer(segmentKeys(concertId, s).alive)),
  );
  wanted.forEach((s, i) => segments.set(s, bitsOf(bitmaps[i]!)));
  return {
    concertId,
    epoch,
    gen,
    head,
    seq,
    settledSeq: Math.min(settledSeq, seq),
    soldOut: soldOut === '1',
    cohorts,
    segments,
    versions,
    counters,
    fullAtMs: incremental ? previous.fullAtMs : now,
    takenAtMs: now,
  };
}
