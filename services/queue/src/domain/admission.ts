import { randomBytes } from 'node:crypto';
import { SEGMENT_SIZE, offsetOf, segmentOf } from '@ticketing/queue-pass';
import type { Logger } from '@ticketing/platform';
import { bitAt, orAll } from './bitmaps';
import { asRanges } from './fairness';
import type { KnownConcerts } from './known-concerts';
import type { Lines } from './lines';
import type { Liveness } from './liveness';
import type { QueueMetrics } from './queue-metrics';
import type { AdmissionRecord, SegmentBits, TickPlan } from './records';
import { JOIN_SETTLE_MS, type QueueSettings } from './settings';
import type { SnapshotCache } from './snapshot-cache';
import type { LineJournal, QueueStore } from './stores';

type Recorded = AdmissionRecord & { issued: number };
/** `order`: when this instance asked for it, among its moves (moves are recorded in that order). */
type UnrecordedMove = { concertId: number; epoch: number; order: number; move: Recorded };
/** A head move as this instance asked for it, before the store said when it was made. */
type AskedMove = {
  concertId: number;
  epoch: number;
  id: string;
  order: number;
  move: Omit<Recorded, 'untilMs' | 'atMs'>;
  /** When it was asked for (this process's clock). */
  askedAtMs: number;
};

// How long a concert's audit stream is kept after its queue's state is removed.
const AUDIT_KEPT_MS = 30 * 86_400_000;
// Segments read per round trip while walking from the head.
const SEGMENTS_PER_READ = 8;
// How often the ticker asks Postgres which lines are open (those Redis may have forgotten).
const OPEN_LINES_EVERY_MS = 5000;
// How often a rebuilt line whose sales are not known asks the catalog again.
const CATALOG_RETRY_MS = 1000;
const BITMAP_BYTES = SEGMENT_SIZE / 8;
// How long a head move whose answer was lost is asked about before it is given up (with a
// warning naming it): the store did not answer, or refused the question, for that long.
const IN_DOUBT_GIVE_UP_MS = 60_000;

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
  /** Head moves made in Redis and not yet recorded in Postgres (it was unreachable): in order. */
  private readonly unrecorded: UnrecordedMove[] = [];
  /** Head moves asked of Redis whose answer was lost: made or not, the next tick asks. */
  private readonly inDoubt: AskedMove[] = [];
  /** Names this instance's head moves (with a count): what it asked for is found by it. */
  private readonly instanceId = randomBytes(6).toString('base64url');
  private movesAsked = 0;
  private openLines: { at: number; concerts: number[] } = { at: 0, concerts: [] };
  private readonly catalogAskedAt = new Map<number, number>();

  constructor(
    private readonly store: QueueStore,
    private readonly settings: QueueSettings,
    private readonly liveness: Liveness,
    private readonly snapshots: SnapshotCache,
    private readonly logger: Logger,
    private readonly metrics: QueueMetrics,
    private readonly durable: { journal: LineJournal; lines: Lines; concerts: KnownConcerts },
  ) {}

  /** One round over every open line (start.ts runs it every QUEUE_TICK_MS). */
  async tick(): Promise<void> {
    await this.settleInDoubt();
    await this.recordUnrecorded();
    const queued = new Set(await this.store.concerts.queuedConcerts());
    for (const concertId of await this.linesInPostgres()) queued.add(concertId);
    for (const concertId of queued) await this.tickConcert(concertId);
  }

  /**
   * The lines Postgres has open, asked every few seconds: Redis' list of queued concerts goes
   * with Redis' data, and a line it forgot is rebuilt by the next tick (ADR 0024).
   */
  private async linesInPostgres(): Promise<number[]> {
    if (Date.now() - this.openLines.at >= OPEN_LINES_EVERY_MS) {
      try {
        this.openLines = { at: Date.now(), concerts: await this.durable.journal.openLines() };
      } catch (err) {
        this.logger.warn({ err }, 'the open lines could not be read from Postgres');
      }
    }
    return this.openLines.concerts;
  }

  async tickConcert(concertId: number): Promise<void> {
    const plan = await this.store.line.prepareTick(concertId, {
      admitPerSecond: this.settings.admitPerSecond,
      maxActive: this.settings.maxActive,
      settleMs: JOIN_SETTLE_MS,
    });
    if (!plan) {
      // Not open in Redis: rebuilt if Postgres has the line (Redis lost it), else forgotten.
      if (!(await this.durable.lines.rebuild(concertId)))
        await this.store.concerts.forgetQueued(concertId);
      return;
    }
    if (plan.salesUnknown) await this.askCatalog(concertId);
    // Sales over, and the last admitted fans' activation too: the queue's state goes.
    if (plan.endedAtMs > 0 && plan.nowMs >= plan.endedAtMs + this.settings.activeTtlMs) {
      // Postgres first: a line it no longer has is never rebuilt.
      await this.durable.journal.close(concertId, plan.epoch, AUDIT_KEPT_MS);
      this.openLines.concerts = this.openLines.concerts.filter((c) => c !== concertId);
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
      for (const bits of await this.store.readSegments(concertId, batch, windows)) {
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
    if (idle.length > 0) await this.store.clearMany(concertId, idle);
    if (idle.length > 0) this.metrics.droppedIdle(concertId, idle.length);
    const asked: AskedMove = {
      concertId,
      epoch: plan.epoch,
      id: `${this.instanceId}:${++this.movesAsked}`,
      order: this.movesAsked,
      move: {
        from: plan.head + 1,
        to,
        admitted,
        idle: asRanges(idle),
        gone: asRanges(gone),
        issued: plan.limit,
      },
      askedAtMs: Date.now(),
    };
    const untilMs = await this.moveHead(asked, gone.length);
    if (untilMs === 0) return;
    this.unrecorded.push(recordOf(asked, untilMs, this.settings.activeTtlMs));
    await this.recordUnrecorded();
    if (admitted > 0) this.metrics.admitted(concertId, admitted);
    this.logger.debug(
      { concertId, from: plan.head + 1, to, admitted, idle: idle.length },
      'admitted',
    );
    this.snapshots.read(concertId).catch(() => undefined);
  }

  /**
   * Asks the store to move the head as walked; until when the admitted are active, or 0 when it
   * was not moved (or it is in doubt: the store did not say, and the next tick asks).
   */
  private async moveHead(asked: AskedMove, gone: number): Promise<number> {
    const { concertId, move } = asked;
    try {
      const untilMs = await this.store.line.advance(concertId, {
        id: asked.id,
        from: move.from - 1,
        to: move.to,
        admitted: move.admitted,
        ttlMs: this.settings.activeTtlMs,
        idle: move.idle,
        gone,
      });
      // Not moved: another instance moved the head first, or this one did and its answer was
      // lost (the client sent the script again, and that run found the head moved): the move's
      // record says which.
      return untilMs > 0 ? untilMs : await this.untilIfMade(asked);
    } catch (err) {
      this.inDoubt.push(asked);
      this.logger.warn({ err, concertId, from: move.from, to: move.to }, 'a head move is in doubt');
      return 0;
    }
  }

  /**
   * A rebuilt line whose sales the catalog could not tell: asked again, at most once a second
   * per concert; admission starts once it answers.
   */
  private async askCatalog(concertId: number): Promise<void> {
    const now = Date.now();
    if (now - (this.catalogAskedAt.get(concertId) ?? 0) < CATALOG_RETRY_MS) return;
    this.catalogAskedAt.set(concertId, now);
    await this.durable.concerts
      .learn(concertId)
      .catch((err: unknown) =>
        this.logger.warn({ err, concertId }, 'the catalog did not answer: admission waits for it'),
      );
  }

  /** Until when a move's fans are active, if the store made the move; 0 if it did not. */
  private async untilIfMade(asked: AskedMove): Promise<number> {
    const atMs = await this.store.line.moveMadeAt(asked.concertId, asked.id, asked.move.from);
    return atMs === undefined ? 0 : atMs + this.settings.activeTtlMs;
  }

  /**
   * Head moves whose answer was lost: those the store made go to Postgres ahead of the moves made
   * since, like any other (the move is this instance's to record: nobody else knows it was
   * theirs); those it did not make are forgotten. While the store does not answer, they wait for
   * the next tick (one question per tick then), and after IN_DOUBT_GIVE_UP_MS each is given up,
   * named in a warning.
   */
  private async settleInDoubt(): Promise<void> {
    const made: UnrecordedMove[] = [];
    while (this.inDoubt.length > 0) {
      const asked = this.inDoubt[0]!;
      try {
        const untilMs = await this.untilIfMade(asked);
        if (untilMs > 0) {
          made.push(recordOf(asked, untilMs, this.settings.activeTtlMs));
          if (asked.move.admitted > 0) this.metrics.admitted(asked.concertId, asked.move.admitted);
        }
      } catch (err) {
        if (Date.now() - asked.askedAtMs < IN_DOUBT_GIVE_UP_MS) {
          this.logger.warn({ err, concertId: asked.concertId }, 'a head move is still in doubt');
          break;
        }
        this.logger.warn(
          { err, move: { concertId: asked.concertId, epoch: asked.epoch, ...asked.move } },
          'a head move in doubt was given up: if the store made it, Postgres does not record it',
        );
      }
      this.inDoubt.shift();
    }
    this.unrecorded.unshift(...made);
  }

  /**
   * Head moves are recorded in Postgres in the order they were made; one it could not take
   * (unreachable) waits for the next tick, and those after it with it. A concert's moves made
   * after one of its moves in doubt wait until that one is settled (recorded ahead of them, or
   * given up).
   */
  private async recordUnrecorded(): Promise<void> {
    const waiting: UnrecordedMove[] = [];
    while (this.unrecorded.length > 0) {
      const next = this.unrecorded[0]!;
      const behindDoubt = this.inDoubt.some(
        (a) => a.concertId === next.concertId && a.order < next.order,
      );
      if (behindDoubt) waiting.push(this.unrecorded.shift()!);
      else {
        try {
          await this.durable.journal.recordAdmission(next.concertId, next.epoch, next.move);
        } catch (err) {
          this.logger.warn(
            { err, concertId: next.concertId },
            'a head move could not be recorded in Postgres yet',
          );
          break;
        }
        this.unrecorded.shift();
      }
    }
    this.unrecorded.unshift(...waiting);
  }

  /**
   * At stop: head moves Postgres has not taken yet get one more try; those it still refuses are
   * logged, every one, since nothing but this process knew them (a line rebuilt after a loss of
   * Redis would resume behind them). Returns how many went unrecorded.
   */
  async flush(): Promise<number> {
    await this.settleInDoubt();
    await this.recordUnrecorded();
    const lost = [
      ...this.unrecorded.splice(0),
      // Made or not, nobody will know: named with the others (`untilMs` 0: not known).
      ...this.inDoubt.splice(0).map((asked) => recordOf(asked, 0, 0)),
    ];
    if (lost.length > 0)
      this.logger.warn(
        {
          unrecorded: lost.length,
          moves: lost.map(({ concertId, epoch, move }) => ({ concertId, epoch, ...move })),
        },
        `${lost.length} head move(s) not recorded in Postgres at stop: a line rebuilt after a loss of Redis would not know them`,
      );
    return lost.length;
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
      for (const bits of await this.store.readSegments(concertId, batch, windows))
        idle.push(...idleIn(bits, plan.head));
    }
    if (idle.length === 0) return;
    await this.store.clearMany(concertId, idle);
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

/** The record of a move the store made at `untilMs - ttlMs`. */
function recordOf(asked: AskedMove, untilMs: number, ttlMs: number): UnrecordedMove {
  const { concertId, epoch, order, move } = asked;
  return { concertId, epoch, order, move: { ...move, untilMs, atMs: untilMs - ttlMs } };
}
