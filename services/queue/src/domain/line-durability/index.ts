import type { PlaceRecord } from '@ticketing/queue-pass';
import type { Logger } from '@ticketing/platform';
import type { KnownConcerts } from '../known-concerts';
import type { Liveness } from '../liveness';
import type { QueueMetrics } from '../queue-metrics';
import type { LineRecord, NumberTaken } from '../records';
import type { LineJournal, QueueStore } from '../stores';
import { HeadMoves, type WalkedMove } from './head-moves';
import { IssuedNumbers, type IssueOutcome } from './issued-numbers';
import { LineOpening, type Taken } from './opening';
import { restorable } from './restore';

export type { IssueOutcome, Taken, WalkedMove };
export { bitsOfRebuiltLine } from './restore';

// How often the lines Postgres has open are asked for (those Redis may have forgotten).
const OPEN_LINES_EVERY_MS = 5000;
// How long a concert's head moves stay in Postgres for the audit after they were made.
const ADMISSIONS_KEPT_MS = 30 * 86_400_000;
// Head moves deleted per statement of the retention job (a short lock, however many are old).
const PURGE_BATCH = 10_000;

export interface LineDurabilityOptions {
  activeTtlMs: number;
  idleMs: number;
}

/**
 * The waiting line's durability (ADR 0024, 0038), in one place: what of a concert's line survives
 * its store, and how a line the store lost is rebuilt. The rest of the queue calls only this:
 * - a join takes its number from a line opened (or rebuilt) from Postgres, within a block Postgres
 *   reserved, and is answered once Postgres records the number as handed out;
 * - the admission tick's head moves are recorded in Postgres in the order they were made, a move
 *   whose answer was lost settled first;
 * - a line the store lost is rebuilt once, by one instance, from Postgres: every fan who holds a
 *   pass presumed in line, admitted ranges still active with their slots, numbers after every
 *   number handed out before;
 * - a pass Postgres could not vouch for (answered while it was down) is restored when its fan
 *   comes back within the idle timeout.
 */
export class LineDurability {
  private readonly opening: LineOpening;
  private readonly issued: IssuedNumbers;
  private readonly moves: HeadMoves;
  private openLinesRead: { at: number; concerts: number[] } = { at: 0, concerts: [] };

  constructor(
    store: QueueStore,
    private readonly journal: LineJournal,
    concerts: KnownConcerts,
    liveness: Liveness,
    private readonly logger: Logger,
    metrics: QueueMetrics,
    private readonly options: LineDurabilityOptions,
  ) {
    this.opening = new LineOpening(store, journal, concerts, liveness, logger, metrics);
    this.issued = new IssuedNumbers(journal, logger);
    this.moves = new HeadMoves(store.line, journal, options.activeTtlMs, logger, metrics);
  }

  // --- joins ----------------------------------------------------------------------------------

  /** What a join must do before a number can be taken: open the line, or reserve numbers. */
  prepare(concertId: number, taken: Exclude<NumberTaken, { kind: 'number' }>): Promise<void> {
    return this.opening.prepare(concertId, taken);
  }

  /** The next number of the concert's line, opening it or reserving numbers as needed. */
  takeNumber(concertId: number): Promise<Taken> {
    return this.opening.takeNumber(concertId);
  }

  /** The line's rebuild count as last read here: a join takes it before its number. */
  rebuildsKnown(concertId: number): number | undefined {
    return this.issued.rebuildsKnown(concertId);
  }

  /** Resolves once Postgres records a number as handed out (or cannot, in time). */
  recordIssued(...number: Parameters<IssuedNumbers['record']>): Promise<IssueOutcome> {
    return this.issued.record(...number);
  }

  // --- polls, streams, the pass's end ---------------------------------------------------------

  /** The line is open in Redis, rebuilt if the store lost it; false when Postgres has none. */
  rebuild(concertId: number): Promise<boolean> {
    return this.opening.rebuild(concertId);
  }

  /** Whether a place the store does not know was lost with it, and its pass restores it. */
  restorable(record: PlaceRecord, number: number, nowMs: number): boolean {
    return restorable(record, number, nowMs, this.options.idleMs);
  }

  // --- the admission tick ---------------------------------------------------------------------

  /**
   * The lines Postgres has open, asked every few seconds: Redis' list of queued concerts goes
   * with Redis' data, and a line it forgot is rebuilt by the next tick. Head moves of those lines
   * that a maker which stopped left unrecorded are recorded then.
   */
  async openLines(): Promise<number[]> {
    if (Date.now() - this.openLinesRead.at >= OPEN_LINES_EVERY_MS) {
      let lines: LineRecord[];
      try {
        lines = await this.journal.openLines();
      } catch (err) {
        this.logger.warn({ err }, 'the open lines could not be read from Postgres');
        return this.openLinesRead.concerts;
      }
      this.openLinesRead = { at: Date.now(), concerts: lines.map((l) => l.concertId) };
      // Moves of these lines made long enough ago and missing from Postgres are orphans.
      await this.moves.recordOrphans(lines).catch((err: unknown) => {
        this.logger.warn({ err }, 'head moves left unrecorded could not be looked for');
      });
    }
    return this.openLinesRead.concerts;
  }

  /** A rebuilt line whose sales the catalog could not tell asks it again (once a second). */
  askCatalog(concertId: number): Promise<void> {
    return this.opening.askCatalog(concertId);
  }

  /** Moves in doubt settled and moves not yet recorded tried again: first thing in a tick. */
  settleHeadMoves(): Promise<void> {
    return this.moves.settle();
  }

  /** Moves the head as walked and records it: until when the admitted are active, or 0. */
  moveHead(concertId: number, epoch: number, walked: WalkedMove): Promise<number> {
    return this.moves.make(concertId, epoch, walked);
  }

  /** The line's sales ended: Postgres forgets it first (a line it no longer has is never rebuilt). */
  async close(concertId: number, epoch: number): Promise<void> {
    await this.journal.close(concertId, epoch);
    this.openLinesRead.concerts = this.openLinesRead.concerts.filter((c) => c !== concertId);
  }

  // --- jobs -----------------------------------------------------------------------------------

  /** Head moves older than the audit keeps them go (every line's), in short statements. */
  async purgeOldAdmissions(): Promise<number> {
    const before = Date.now() - ADMISSIONS_KEPT_MS;
    let purged = 0;
    for (;;) {
      const n = await this.journal.purgeAdmissions(before, PURGE_BATCH);
      purged += n;
      if (n < PURGE_BATCH) return purged;
    }
  }

  /** At stop: head moves and numbers not yet recorded get one more try (see HeadMoves.flush). */
  async flush(): Promise<number> {
    await this.issued.drain();
    return this.moves.flush();
  }
}
