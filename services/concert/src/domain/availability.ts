import { concert } from '@ticketing/contracts';
import { buildMessage, enqueue } from '@ticketing/messaging';
import type { Database, Logger } from '@ticketing/platform';
import type { CatalogIn } from './repositories';

/**
 * Tells whoever follows a concert's dates (the queue's sold-out state) what is left of them.
 * The seat projection only marks a date as due; the announcer publishes each due date once per
 * round, with its current counts and the next seats revision: in a rush, one message per date
 * every `delayMs` instead of one per seat moved, and no projection waits on another for the
 * date's row. A round runs `delayMs` after the first seat moved since the last one (and at
 * start and every `fallbackMs`, for rows an instance left behind when it stopped).
 */
export class AvailabilityAnnouncer {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly catalogIn: CatalogIn,
    private readonly options: { delayMs: number; logger: Logger },
  ) {}

  /** A seat moved (its transaction committed): announce within `delayMs`. */
  soon(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.timer ??= setTimeout(() => this.round(), this.options.delayMs);
  }

  /** One round now: every due date, announced in one transaction. Returns how many. */
  async announceDue(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const due = await this.catalogIn.writer(tx).takeDueAvailability();
      await enqueue(
        tx,
        due.map(({ scheduleId, concertId, seatsRevision, availableSeats, heldSeats }) =>
          buildMessage(
            concert.availabilityChanged,
            { scheduleId, concertId, seatsRevision, availableSeats, heldSeats },
            { source: 'concert' },
          ),
        ),
      );
      return due.length;
    });
  }

  /** The round due (if any) runs now; what projections commit afterwards waits for the next instance. */
  async stop(): Promise<void> {
    const due = this.timer !== undefined || this.again;
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (due) await this.announceDue().catch(() => undefined);
  }

  private round(): void {
    this.timer = undefined;
    this.running = this.announceDue()
      .then(
        () => undefined,
        (err: unknown) => {
          this.options.logger.warn({ err }, 'announcing availability failed; trying again');
          this.again = true;
        },
      )
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.soon();
        }
      });
  }
}
