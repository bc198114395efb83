import { randomBytes } from 'node:crypto';
import type { Logger } from '@ticketing/platform';
import type { QueueMetrics } from '../queue-metrics';
import type { AdmissionRecord, LineRecord } from '../records';
import type { LineJournal, LineStore } from '../stores';

/** A head move as the walk made it: the numbers it passed and what became of them. */
export interface WalkedMove {
  from: number;
  to: number;
  admitted: number;
  /** Numbers skipped as idle, and numbers that were gone, as ranges ("1-5,7"). */
  idle: string;
  gone: string;
  /** How many numbers were gone. */
  goneCount: number;
  /** Every number up to it was surely handed out (the tick's settled counter). */
  issued: number;
}

type Recorded = AdmissionRecord & { issued: number };

/** A move made in the store, to record in Postgres; `order`: when this instance asked for it. */
interface UnrecordedMove {
  concertId: number;
  epoch: number;
  order: number;
  move: Recorded;
}

/** A move as this instance asked the store for it, before the store said when it was made. */
interface AskedMove {
  concertId: number;
  epoch: number;
  id: string;
  order: number;
  move: Omit<Recorded, 'untilMs' | 'atMs'>;
  /** When it was asked for (this process's clock). */
  askedAtMs: number;
}

// How long a head move whose answer was lost is asked about before it is given up (with a
// warning naming it): the store did not answer, or refused the question, for that long.
const IN_DOUBT_GIVE_UP_MS = 60_000;
// How old a move in the audit stream but not in Postgres must be before another instance records
// it: its maker records it within milliseconds, unless it stopped (killed) or cannot reach Postgres.
const ORPHAN_AFTER_MS = 5_000;
// How far back an instance first looks for such moves: a maker killed while every other instance
// was down too (a whole deployment replaced) is found by the first to start again.
const ORPHAN_LOOKBACK_MS = 10 * 60_000;

/**
 * Head moves, made in the store and recorded in Postgres in the order they were made (ADR 0024):
 * what a line rebuilt after a loss resumes from. A move whose answer was lost (a failover between
 * the script and its reply) is in doubt: the store is asked whether it made it (each move carries
 * this instance's id into the audit stream), once per tick while it refuses, and a move made is
 * recorded ahead of the concert's later ones. Postgres unreachable, moves wait in memory for the
 * next tick; at stop they get one more try, and those left are named in a warning.
 */
export class HeadMoves {
  private readonly unrecorded: UnrecordedMove[] = [];
  private readonly inDoubt: AskedMove[] = [];
  /** Names this instance's head moves (with a count): what it asked for is found by it. */
  private readonly instanceId = randomBytes(6).toString('base64url');
  private movesAsked = 0;
  /** Per open line ("concert:epoch"), the store's time its audit stream was looked at up to. */
  private readonly orphansLookedUntil = new Map<string, number>();

  constructor(
    private readonly line: Pick<
      LineStore,
      'advance' | 'moveMadeAt' | 'movesMadeBetween' | 'clockMs'
    >,
    private readonly journal: Pick<LineJournal, 'recordAdmission' | 'recordedMoves'>,
    private readonly activeTtlMs: number,
    private readonly logger: Logger,
    private readonly metrics: Pick<QueueMetrics, 'admitted'>,
  ) {}

  /**
   * Asks the store to move the head as walked, then records the move; until when the admitted
   * are active, or 0 when it was not moved (another instance moved the head first) or is in
   * doubt (the next tick asks).
   */
  async make(concertId: number, epoch: number, walked: WalkedMove): Promise<number> {
    const { goneCount, ...move } = walked;
    const asked: AskedMove = {
      concertId,
      epoch,
      id: `${this.instanceId}:${++this.movesAsked}`,
      order: this.movesAsked,
      move,
      askedAtMs: Date.now(),
    };
    let untilMs: number;
    try {
      untilMs = await this.line.advance(concertId, {
        id: asked.id,
        from: move.from - 1,
        to: move.to,
        admitted: move.admitted,
        ttlMs: this.activeTtlMs,
        idle: move.idle,
        gone: goneCount,
        goneRanges: move.gone,
      });
      // Not moved: another instance moved the head first, or this one did and its answer was
      // lost (the client sent the script again, and that run found the head moved): the move's
      // record says which.
      if (untilMs === 0) untilMs = await this.untilIfMade(asked);
    } catch (err) {
      this.inDoubt.push(asked);
      this.logger.warn({ err, concertId, from: move.from, to: move.to }, 'a head move is in doubt');
      return 0;
    }
    if (untilMs === 0) return 0;
    this.unrecorded.push(this.recordOf(asked, untilMs));
    await this.recordUnrecorded();
    return untilMs;
  }

  /** At the start of a tick: moves in doubt settled, moves not yet recorded tried again. */
  async settle(): Promise<void> {
    await this.settleInDoubt();
    await this.recordUnrecorded();
  }

  /**
   * At stop: moves Postgres has not taken yet get one more try; those it still refuses are
   * logged, every one, since nothing but this process knew them (a line rebuilt after a loss of
   * Redis would resume behind them). Returns how many went unrecorded.
   */
  async flush(): Promise<number> {
    await this.settle();
    const lost = [
      ...this.unrecorded.splice(0),
      // Made or not, nobody will know: named with the others (`untilMs` 0: not known).
      ...this.inDoubt.splice(0).map((asked) => this.recordOf(asked, 0)),
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

  /**
   * Moves the store made seconds ago that Postgres does not record: their maker stopped in
   * between (a SIGKILL, an OOM kill). Recorded from the audit stream, which carries what Postgres
   * records; a maker that records one later changes nothing. Without this, the durable audit would
   * pass over their numbers, and a line rebuilt after a loss of Redis would resume behind them
   * (they would have their turn twice). Each line's stream is read from where the last look ended
   * (at first, ORPHAN_LOOKBACK_MS back), up to ORPHAN_AFTER_MS ago, on the store's clock; a look
   * that fails is made again. Returns how many were recorded.
   */
  async recordOrphans(lines: LineRecord[]): Promise<number> {
    const untilMs = (await this.line.clockMs()) - ORPHAN_AFTER_MS;
    const open = new Set(lines.map(({ concertId, epoch }) => `${concertId}:${epoch}`));
    // Lines no longer open are forgotten.
    for (const line of [...this.orphansLookedUntil.keys()])
      if (!open.has(line)) this.orphansLookedUntil.delete(line);
    let recorded = 0;
    for (const { concertId, epoch } of lines) {
      const line = `${concertId}:${epoch}`;
      const fromMs = this.orphansLookedUntil.get(line) ?? untilMs - ORPHAN_LOOKBACK_MS;
      if (untilMs < fromMs) continue;
      const moves = await this.line.movesMadeBetween(concertId, epoch, fromMs, untilMs);
      const known =
        moves.length === 0
          ? new Set<number>()
          : await this.journal.recordedMoves(
              concertId,
              epoch,
              moves.map((m) => m.from),
            );
      for (const move of moves.filter((m) => !known.has(m.from))) {
        await this.journal.recordAdmission(concertId, epoch, { ...move, issued: 0 });
        recorded += 1;
        this.logger.warn(
          { concertId, epoch, from: move.from, to: move.to, atMs: move.atMs },
          'a head move its maker did not record was recorded from the audit stream',
        );
      }
      this.orphansLookedUntil.set(line, untilMs + 1);
    }
    return recorded;
  }

  /** Until when a move's fans are active, if the store made the move; 0 if it did not. */
  private async untilIfMade(asked: AskedMove): Promise<number> {
    const atMs = await this.line.moveMadeAt(asked.concertId, asked.id, asked.move.from);
    return atMs === undefined ? 0 : atMs + this.activeTtlMs;
  }

  /**
   * Moves whose answer was lost: those the store made go to Postgres ahead of the concert's later
   * ones (the move is this instance's to record: nobody else knows it was theirs); those it did
   * not make are forgotten. While the store does not answer, they wait for the next tick (one
   * question per tick), and after IN_DOUBT_GIVE_UP_MS each is given up, named in a warning.
   */
  private async settleInDoubt(): Promise<void> {
    const made: UnrecordedMove[] = [];
    while (this.inDoubt.length > 0) {
      const asked = this.inDoubt[0]!;
      try {
        const untilMs = await this.untilIfMade(asked);
        if (untilMs > 0) {
          made.push(this.recordOf(asked, untilMs));
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
   * Moves are recorded in the order they were made; one Postgres could not take (unreachable)
   * waits for the next tick, and those after it with it. A concert's moves made after one of its
   * moves in doubt wait until that one is settled (recorded ahead of them, or given up).
   */
  private async recordUnrecorded(): Promise<void> {
    const waiting: UnrecordedMove[] = [];
    while (this.unrecorded.length > 0) {
      const next = this.unrecorded[0]!;
      const behindDoubt = this.inDoubt.some(
        (a) => a.concertId === next.concertId && a.order < next.order,
      );
      if (behindDoubt) {
        waiting.push(this.unrecorded.shift()!);
        continue;
      }
      try {
        await this.journal.recordAdmission(next.concertId, next.epoch, next.move);
      } catch (err) {
        this.logger.warn(
          { err, concertId: next.concertId },
          'a head move could not be recorded in Postgres yet',
        );
        break;
      }
      this.unrecorded.shift();
    }
    this.unrecorded.unshift(...waiting);
  }

  /** The record of a move the store made at `untilMs - activeTtlMs`. */
  private recordOf(asked: AskedMove, untilMs: number): UnrecordedMove {
    const { concertId, epoch, order, move } = asked;
    const atMs = untilMs === 0 ? 0 : untilMs - this.activeTtlMs;
    return { concertId, epoch, order, move: { ...move, untilMs, atMs } };
  }
}
