import type { Logger } from '@ticketing/platform';
import type { LineJournal } from '../stores';

/**
 * What recording a number as handed out tells its join (ADR 0038):
 * - `recorded`: Postgres has it; `rebuiltSince` when the line may have been rebuilt after the
 *   number was taken and before it was recorded (the rebuild may then not have restored it);
 * - `unrecorded`: Postgres did not take it in time (down, failing over): the join is answered on
 *   Redis' word alone, as before a join waited for Postgres, and the number is recorded later;
 * - `stale`: Postgres has no line of that epoch any more (it closed): the number is dead.
 */
export type IssueOutcome =
  { kind: 'recorded'; rebuiltSince: boolean } | { kind: 'unrecorded' } | { kind: 'stale' };

interface Waiter {
  rebuildsBefore: number | undefined;
  resolve: (outcome: IssueOutcome) => void;
}

interface Pending {
  concertId: number;
  epoch: number;
  upTo: number;
  waiters: Waiter[];
}

export interface IssuedNumbersOptions {
  /** How long a join waits for Postgres before it is answered on Redis' word alone. */
  waitMs: number;
  /** How long after a failed record the next is tried. */
  retryMs: number;
  /**
   * The least time between two records' starts: under a crowd the joins of a few milliseconds
   * share one statement (at most 1000 / gapMs statements a second per instance), and a join
   * after a quiet spell is recorded at once.
   */
  gapMs: number;
}

export const ISSUED_NUMBERS_DEFAULTS: IssuedNumbersOptions = {
  waitMs: 1000,
  retryMs: 500,
  gapMs: 10,
};

/**
 * Numbers handed out, recorded in Postgres before their fans hear of them (ADR 0038): after Redis
 * loses the line, every fan who holds a pass is presumed in line again at their number, ahead of
 * everyone who joins after the loss. Joins share one statement: while one is in flight, the
 * numbers taken meanwhile wait for the next, so a crowd pays a statement per round trip to
 * Postgres, not one per join. While Postgres does not answer, joins are answered without it (a
 * pass whose number Postgres missed is restored when its fan comes back, ADR 0024) and the numbers
 * are recorded once it answers again.
 */
export class IssuedNumbers {
  private pending = new Map<string, Pending>();
  private inFlight: Promise<void> | undefined;
  private degraded = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private gapTimer: NodeJS.Timeout | undefined;
  private lastStartedAt = 0;
  private readonly rebuilds = new Map<number, number>();
  private stopped = false;

  constructor(
    private readonly journal: Pick<LineJournal, 'recordIssued'>,
    private readonly logger: Logger,
    private readonly options: IssuedNumbersOptions = ISSUED_NUMBERS_DEFAULTS,
  ) {}

  /**
   * The line's rebuild count as this instance last read it: a join takes it before its number
   * and hands it to `record`.
   */
  rebuildsKnown(concertId: number): number | undefined {
    return this.rebuilds.get(concertId);
  }

  /** Resolves once Postgres records `number` as handed out (or cannot, in time). */
  record(
    concertId: number,
    epoch: number,
    number: number,
    rebuildsBefore: number | undefined,
  ): Promise<IssueOutcome> {
    const key = `${concertId}:${epoch}`;
    let entry = this.pending.get(key);
    if (!entry) this.pending.set(key, (entry = { concertId, epoch, upTo: number, waiters: [] }));
    entry.upTo = Math.max(entry.upTo, number);
    if (this.degraded) {
      this.flushSoon();
      return Promise.resolve({ kind: 'unrecorded' });
    }
    const recorded = new Promise<IssueOutcome>((resolve) =>
      entry.waiters.push({ rebuildsBefore, resolve }),
    );
    this.flushSoon();
    return recorded;
  }

  /** At stop: what is still to record gets one more try (its joins were answered already). */
  async drain(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.gapTimer);
    this.retryTimer = undefined;
    this.gapTimer = undefined;
    await this.inFlight;
    if (this.pending.size > 0 && !this.inFlight) void this.flush();
    await this.inFlight;
    clearTimeout(this.retryTimer);
  }

  private flushSoon(): void {
    if (this.inFlight || this.retryTimer || this.gapTimer) return;
    const wait = this.lastStartedAt + this.options.gapMs - Date.now();
    if (wait <= 0) return void this.flush();
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      if (!this.inFlight && this.pending.size > 0) void this.flush();
    }, wait);
  }

  private flush(): Promise<void> {
    this.lastStartedAt = Date.now();
    this.inFlight = this.recordPending().finally(() => (this.inFlight = undefined));
    return this.inFlight.then(() => {
      if (this.pending.size > 0) this.flushSoon();
    });
  }

  private async recordPending(): Promise<void> {
    const batch = [...this.pending.values()];
    this.pending = new Map();
    // Past the wait, the batch's joins (and those after it) are answered without Postgres.
    const late = setTimeout(
      () => this.degrade(batch, 'Postgres did not answer in time'),
      this.options.waitMs,
    );
    try {
      const rebuilds = await this.journal.recordIssued(
        batch.map(({ concertId, epoch, upTo }) => ({ concertId, epoch, upTo })),
      );
      clearTimeout(late);
      for (const entry of batch) this.settle(entry, rebuilds.get(entry.concertId));
      if (this.degraded) this.logger.info('numbers handed out are recorded in Postgres again');
      this.degraded = false;
    } catch (err) {
      clearTimeout(late);
      this.degrade(batch, err);
      // Handed out all the same: recorded with the next try, for a rebuild after a later loss.
      for (const { concertId, epoch, upTo } of batch) this.keep(concertId, epoch, upTo);
      if (!this.stopped)
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          if (this.pending.size > 0) void this.flush();
        }, this.options.retryMs);
    }
  }

  private settle(entry: Pending, rebuilds: number | undefined): void {
    if (rebuilds === undefined) {
      for (const w of entry.waiters.splice(0)) w.resolve({ kind: 'stale' });
      return;
    }
    this.rebuilds.set(entry.concertId, Math.max(rebuilds, this.rebuilds.get(entry.concertId) ?? 0));
    for (const w of entry.waiters.splice(0))
      w.resolve({
        kind: 'recorded',
        rebuiltSince: w.rebuildsBefore === undefined || rebuilds > w.rebuildsBefore,
      });
  }

  /** Joins waiting for Postgres are answered without it, and so are those after, until it answers. */
  private degrade(batch: Pending[], reason: unknown): void {
    if (!this.degraded)
      this.logger.warn(
        { err: reason },
        'numbers handed out could not be recorded in Postgres: joins are answered without it',
      );
    this.degraded = true;
    for (const entry of [...batch, ...this.pending.values()])
      for (const w of entry.waiters.splice(0)) w.resolve({ kind: 'unrecorded' });
  }

  private keep(concertId: number, epoch: number, upTo: number): void {
    const key = `${concertId}:${epoch}`;
    const entry = this.pending.get(key);
    if (entry) entry.upTo = Math.max(entry.upTo, upTo);
    else this.pending.set(key, { concertId, epoch, upTo, waiters: [] });
  }
}
