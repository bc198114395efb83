import { randomUUID } from 'node:crypto';
import { cohortMember, newEpoch } from '@ticketing/queue-pass';
import { AppError, NotYet, retryUntil, type Logger } from '@ticketing/platform';
import type { KnownConcerts } from '../known-concerts';
import type { Liveness } from '../liveness';
import type { QueueMetrics } from '../queue-metrics';
import type { AdmissionRecord, LineRecord, NumberTaken } from '../records';
import type { LineJournal, QueueStore } from '../stores';
import { bitsOfRebuiltLine } from './restore';

/** A number taken, of the line's epoch and generation. */
export type Taken = { number: number; epoch: number; gen: number };

/** Numbers Postgres reserves for a line at a time: a statement per block, not per join. */
export const NUMBER_BLOCK = 1000;
// One instance opens or rebuilds a line; the others wait for it this long at most.
const OPENING_LOCK_MS = 15_000;
const OPENING_WAIT_MS = 5_000;
const OPENING_POLL_MS = 25;
// A join that finds the line closed or its numbers used up prepares and tries again this often.
const NUMBER_ATTEMPTS = 5;
// How often a rebuilt line whose sales are not known asks the catalog again.
const CATALOG_RETRY_MS = 1000;

const rebuilding = () =>
  AppError.unavailable('the waiting room is rebuilding its line: try again in a moment');

/**
 * A concert's line as a whole, kept where it survives Redis (ADR 0024). Postgres holds each
 * line's epoch, how far its numbers may have gone, how far they surely went, its head and its
 * admitted ranges; Redis holds the rest. A line opens in Redis from Postgres (the first join, or
 * a request after Redis lost it: then it is rebuilt, once, by one instance); a join takes numbers
 * only within a block Postgres reserved first, so a line rebuilt after any loss hands out numbers
 * after every number handed out before.
 */
export class LineOpening {
  private readonly owner = randomUUID();
  private readonly opening = new Map<number, Promise<boolean>>();
  private readonly reserving = new Map<number, Promise<void>>();
  private readonly catalogAskedAt = new Map<number, number>();

  constructor(
    private readonly store: Pick<QueueStore, 'line' | 'concerts' | 'nextNumber' | 'raiseReserved'>,
    private readonly journal: Pick<
      LineJournal,
      'open' | 'line' | 'beginRebuild' | 'liveAdmissions' | 'reserve'
    >,
    private readonly concerts: KnownConcerts,
    private readonly liveness: Liveness,
    private readonly logger: Logger,
    private readonly metrics?: Pick<QueueMetrics, 'lineRebuilt'>,
  ) {}

  /** A join's line: opened if it never was (or ended), rebuilt if Redis lost it. */
  async open(concertId: number): Promise<void> {
    await this.ensure(concertId, true);
  }

  /** A poll's or a tick's line: rebuilt if Redis lost it; false when Postgres has none. */
  rebuild(concertId: number): Promise<boolean> {
    return this.ensure(concertId, false);
  }

  /** What a join must do before a number can be taken: open the line, or reserve numbers. */
  async prepare(concertId: number, taken: Exclude<NumberTaken, { kind: 'number' }>) {
    if (taken.kind === 'closed') await this.open(concertId);
    else await this.reserve(concertId, taken.epoch, taken.seq);
  }

  /** The next number of the concert's line, opening it or reserving numbers as needed. */
  async takeNumber(concertId: number): Promise<Taken> {
    for (let attempt = 0; attempt < NUMBER_ATTEMPTS; attempt++) {
      const taken = await this.store.nextNumber(concertId);
      if (taken.kind === 'number') return taken;
      await this.prepare(concertId, taken);
    }
    throw rebuilding();
  }

  /** The line is open in Redis when this resolves, or `create` was false and Postgres has none. */
  private ensure(concertId: number, create: boolean): Promise<boolean> {
    let pending = this.opening.get(concertId);
    if (!pending) {
      pending = this.waitOpen(concertId, create).finally(() => this.opening.delete(concertId));
      this.opening.set(concertId, pending);
    }
    return pending;
  }

  private async waitOpen(concertId: number, create: boolean): Promise<boolean> {
    return retryUntil(
      async () => {
        if (await this.store.line.isOpen(concertId)) return true;
        if (!(await this.store.line.lockOpening(concertId, this.owner, OPENING_LOCK_MS)))
          throw new NotYet('another instance is opening the line');
        try {
          return await this.openFromJournal(concertId, create);
        } finally {
          await this.store.line.unlockOpening(concertId, this.owner);
        }
      },
      {
        timeoutMs: OPENING_WAIT_MS,
        intervalMs: OPENING_POLL_MS,
        retryOn: (err) => err instanceof NotYet,
        onTimeout: rebuilding,
      },
    );
  }

  private async openFromJournal(concertId: number, create: boolean): Promise<boolean> {
    if (await this.store.line.isOpen(concertId)) return true;
    const found = create
      ? await this.journal.open(concertId, newEpoch())
      : await this.journal.line(concertId);
    if (!found) return false;
    const rebuilt = found.reserved > 0 || found.head > 0;
    // A rebuild reads the line as it counts itself one more rebuild: a number recorded after
    // this finds the count moved and its join checks its place (ADR 0038).
    const line = rebuilt ? await this.journal.beginRebuild(concertId, found.epoch) : found;
    if (!line) return false;
    // Every instance's admission tick walks the line from now on.
    await this.store.concerts.requeue(concertId);
    if (!rebuilt) {
      await this.store.line.openLine(concertId, { ...line, rebuilt, ranges: [] });
      return true;
    }
    const startedAt = Date.now();
    // When sales open and whether anything is left went with Redis' data: the catalog has it.
    // Not answering, the line is rebuilt anyway (fans keep their places, joins go on) and
    // admits nobody until it answers (the admission tick asks again).
    if (!(await this.store.line.salesKnown(concertId)))
      await this.concerts.learn(concertId).catch(async (err: unknown) => {
        this.logger.warn({ err, concertId }, 'the catalog did not answer: admission waits for it');
        await this.store.line.markSalesUnknown(concertId);
      });
    const live = await this.journal.liveAdmissions(concertId, line.epoch, Date.now());
    const segments = await this.restoreBits(concertId, line, live);
    await this.store.line.openLine(concertId, {
      ...line,
      rebuilt,
      ranges: live.map((a) => ({
        member: cohortMember({ from: a.from, to: a.to, untilMs: a.untilMs }),
        left: a.admitted,
      })),
    });
    this.metrics?.lineRebuilt();
    this.logger.warn(
      {
        concertId,
        head: line.head,
        presumedUpTo: line.issued,
        numbersFrom: line.reserved + 1,
        activeRanges: live.length,
        segments,
        ms: Date.now() - startedAt,
      },
      'the line was rebuilt from Postgres: Redis had lost it',
    );
    return true;
  }

  /**
   * Writes the bits of a rebuilt line (see `bitsOfRebuiltLine`), seen now: the idle timeout runs
   * from the rebuild. Segments that survived the loss keep their own bits. Returns how many
   * segments were written.
   */
  private async restoreBits(
    concertId: number,
    line: LineRecord,
    live: AdmissionRecord[],
  ): Promise<number> {
    const window = this.liveness.windowAt(Date.now());
    const written = await Promise.all(
      [...bitsOfRebuiltLine(line, live)].map(([segment, bits]) =>
        this.store.line.restoreSegment(concertId, segment, bits, window, this.liveness.seenTtlMs),
      ),
    );
    return written.filter(Boolean).length;
  }

  /**
   * A rebuilt line whose sales the catalog could not tell: asked again, at most once a second
   * per concert; admission starts once it answers.
   */
  async askCatalog(concertId: number): Promise<void> {
    const now = Date.now();
    if (now - (this.catalogAskedAt.get(concertId) ?? 0) < CATALOG_RETRY_MS) return;
    this.catalogAskedAt.set(concertId, now);
    await this.concerts
      .learn(concertId)
      .catch((err: unknown) =>
        this.logger.warn({ err, concertId }, 'the catalog did not answer: admission waits for it'),
      );
  }

  /** A block of numbers reserved in Postgres, then in Redis (one at a time per concert). */
  private reserve(concertId: number, epoch: number, seq: number): Promise<void> {
    let pending = this.reserving.get(concertId);
    if (!pending) {
      pending = this.reserveBlock(concertId, epoch, seq).finally(() =>
        this.reserving.delete(concertId),
      );
      this.reserving.set(concertId, pending);
    }
    return pending;
  }

  private async reserveBlock(concertId: number, epoch: number, seq: number): Promise<void> {
    const reserved = await this.journal.reserve(concertId, epoch, NUMBER_BLOCK, seq);
    // Postgres has another life of the line than Redis (or none): Redis' is the stale one.
    if (reserved === undefined) throw rebuilding();
    await this.store.raiseReserved(concertId, epoch, reserved);
  }
}
