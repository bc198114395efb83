import { SEGMENT_SIZE, offsetOf, segmentOf } from '@ticketing/queue-pass';
import type { Logger } from '@ticketing/platform';
import { bitAt, orAll } from './bitmaps';
import { asRanges } from './fairness';
import type { LineDurability } from './line-durability';
import type { Liveness } from './liveness';
import type { QueueMetrics } from './queue-metrics';
import type { SegmentBits, TickPlan } from './records';
import { JOIN_SETTLE_MS, type QueueSettings } from './settings';
import type { SnapshotCache } from './snapshot-cache';
import type { QueueStore } from './stores';

// How long a concert's audit stream is kept after its queue's state is removed.
const AUDIT_KEPT_MS = 30 * 86_400_000;
// Segments read per round trip while walking from the head.
const SEGMENTS_PER_READ = 8;
const BITMAP_BYTES = SEGMENT_SIZE / 8;

/**
 * Admission in O(1) Redis work per tick (ADR 0015): every instance ticks; the first half of a
 * tick (one script) frees the slots of ranges whose activation ended and says how many may be
 * admitted; the instance walks the bitmaps after the head in memory, skipping fans gone and
 * dropping fans idle; the second half (one script) moves the head over the fans admitted, if no
 * other instance moved it meanwhile. Once per window one instance also sweeps every idle fan
 * behind the head out of line.
 */
export class AdmissionTicker {
  private readonly lastSwept = new Map<number, number>();

  constructor(
    private readonly store: QueueStore,
    private readonly settings: QueueSettings,
    private readonly liveness: Liveness,
    private readonly snapshots: SnapshotCache,
    private readonly logger: Logger,
    private readonly metrics: QueueMetrics,
    private readonly durability: LineDurability,
  ) {}

  /** One round over every open line (start.ts runs it every QUEUE_TICK_MS). */
  async tick(): Promise<void> {
    await this.durability.settleHeadMoves();
    const queued = new Set(await this.store.concerts.queuedConcerts());
    // Redis' list of queued concerts goes with Redis' data: Postgres' open lines too.
    for (const concertId of await this.durability.openLines()) queued.add(concertId);
    // A line that is gone (retired here or by another instance) is not queued any more: what
    // this instance kept of it in memory goes, one place for every way a line ends.
    for (const concertId of this.snapshots.concerts())
      if (!queued.has(concertId)) this.forgetLine(concertId);
    for (const concertId of queued) await this.tickConcert(concertId);
  }

  async tickConcert(concertId: number): Promise<void> {
    const plan = await this.store.line.prepareTick(concertId, {
      admitPerSecond: this.settings.admitPerSecond,
      maxActive: this.settings.maxActive,
      settleMs: JOIN_SETTLE_MS,
    });
    if (!plan) {
      // Not open in Redis: rebuilt if Postgres has the line (Redis lost it), else forgotten.
      if (!(await this.durability.rebuild(concertId)))
        await this.store.concerts.forgetQueued(concertId);
      return;
    }
    if (plan.salesUnknown) await this.durability.askCatalog(concertId);
    // Sales over, and the last admitted fans' activation too: the queue's state goes.
    if (plan.endedAtMs > 0 && plan.nowMs >= plan.endedAtMs + this.settings.activeTtlMs) {
      // Postgres first: a line it no longer has is never rebuilt.
      await this.durability.close(concertId, plan.epoch);
      if (await this.store.line.retire(concertId, AUDIT_KEPT_MS))
        this.logger.info({ concertId }, 'sales ended: the concert queue state removed');
      return;
    }
    const windows = this.liveness.keepingWindows(plan.nowMs);
    await this.sweepIfDue(concertId, plan, windows);
    if (plan.allowance > 0 && plan.limit > plan.head) await this.admit(concertId, plan, windows);
    this.metrics.active(concertId, plan.active);
    const snapshot = this.snapshots.peek(concertId);
    if (snapshot) this.metrics.waiting(concertId, snapshot.position(snapshot.data.seq + 1) - 1);
  }

  /** What this instance keeps of a line in memory, let go once the line is: its snapshot, its series. */
  private forgetLine(concertId: number): void {
    this.snapshots.forget(concertId);
    this.metrics.lineGone(concertId);
  }

  /** Walks from the head over at most `allowance` live fans, then moves the head past them. */
  private async admit(concertId: number, plan: TickPlan, windows: number[]): Promise<void> {
    let admitted = 0;
    let to = plan.head;
    const idle: number[] = [];
    const gone: number[] = [];
    const last = segmentOf(plan.limit);
    walk: for (let segment = segmentOf(plan.head + 1); segment <= last;) {
      const batch: number[] = [];
      while (batch.length < SEGMENTS_PER_READ && segment <= last) batch.push(segment++);
      for (const bits of await this.store.bits.readSegments(concertId, batch, windows)) {
        const seen = orAll(bits.seen, BITMAP_BYTES);
        const end = Math.min((bits.segment + 1) * SEGMENT_SIZE - 1, plan.limit);
        for (let n = Math.max(bits.segment * SEGMENT_SIZE, plan.head + 1); n <= end; n++) {
          to = n;
          if (!bitAt(bits.alive, offsetOf(n))) {
            gone.push(n); // left, dropped before, or a number nobody took: skipped
            continue;
          }
          if (!bitAt(seen, offsetOf(n))) {
            idle.push(n); // silent for the idle timeout: skipped and dropped
            continue;
          }
          if (++admitted === plan.allowance) break walk;
        }
      }
    }
    if (to === plan.head) return;
    // Dropped before the head moves over them: a range's alive bits are its admitted fans.
    if (idle.length > 0) await this.store.bits.clearMany(concertId, idle);
    if (idle.length > 0) this.metrics.droppedIdle(concertId, idle.length);
    const untilMs = await this.durability.moveHead(concertId, plan.epoch, {
      from: plan.head + 1,
      to,
      admitted,
      idle: asRanges(idle),
      gone: asRanges(gone),
      goneCount: gone.length,
      issued: plan.limit,
    });
    if (untilMs === 0) return;
    if (admitted > 0) this.metrics.admitted(concertId, admitted);
    this.logger.debug(
      { concertId, from: plan.head + 1, to, admitted, idle: idle.length },
      'admitted',
    );
    this.snapshots.read(concertId).catch(() => undefined);
  }

  /** Once per window, one instance drops every idle fan behind the head. */
  private async sweepIfDue(concertId: number, plan: TickPlan, windows: number[]): Promise<void> {
    const window = this.liveness.windowAt(plan.nowMs);
    if ((this.lastSwept.get(concertId) ?? -1) >= window) return;
    this.lastSwept.set(concertId, window);
    if (plan.seq <= plan.head || !(await this.store.line.claimSweep(concertId, window))) return;
    const idle: number[] = [];
    const last = segmentOf(plan.seq);
    for (let segment = segmentOf(plan.head + 1); segment <= last;) {
      const batch: number[] = [];
      while (batch.length < 4 * SEGMENTS_PER_READ && segment <= last) batch.push(segment++);
      for (const bits of await this.store.bits.readSegments(concertId, batch, windows))
        idle.push(...idleIn(bits, plan.head));
    }
    if (idle.length === 0) return;
    await this.store.bits.clearMany(concertId, idle);
    await this.store.line.recordSweep(concertId, window, plan.head, asRanges(idle));
    this.metrics.droppedIdle(concertId, idle.length);
    this.logger.debug({ concertId, idle: idle.length }, 'idle fans dropped');
  }
}

/** Numbers after `head` in a segment whose fans are alive but were not seen in any window. */
function idleIn(bits: SegmentBits, head: number): number[] {
  const seen = orAll(bits.seen, BITMAP_BYTES);
  const found: number[] = [];
  for (let i = 0; i < bits.alive.length; i++) {
    const silent = bits.alive[i]! & ~seen[i]!;
    if (silent === 0) continue;
    for (let b = 0; b < 8; b++) {
      if (!(silent & (0x80 >> b))) continue;
      const n = bits.segment * SEGMENT_SIZE + i * 8 + b;
      if (n > head) found.push(n);
    }
  }
  return found;
}
