import { deleteInBatches, type Knex, type Queryable } from '@ticketing/platform';
import type { Payment } from '../domain/payment';
import { COLUMNS } from './payment-sql';

/**
 * The sweeper's side of the payments: sagas past their deadline found, taken one by one and
 * postponed, and the timelines of ended sagas purged.
 */
export class PaymentDeadlineRows {
  private readonly db: Knex | Knex.Transaction;

  constructor(private readonly executor: Queryable) {
    this.db = executor.knex;
  }

  async countOverdue(graceSeconds: number): Promise<number> {
    const [row] = await this.executor.query<{ n: number }>(
      `select count(*)::int as n from payments
       where deadline_at < now() - make_interval(secs => $1::int)`,
      [graceSeconds],
    );
    return row!.n;
  }

  /** Deletes the timeline lines of ended sagas older than the window, in bounded batches. */
  purgeEndedTimelines(olderThanMinutes: number): Promise<number> {
    return deleteInBatches(
      this.executor,
      'saga_steps',
      `select s.ctid from saga_steps s join payments p on p.id = s.payment_id
       where s.at < now() - make_interval(mins => $1::int) and p.status <> 'PENDING' limit $2`,
      [olderThanMinutes],
    );
  }

  /** Sagas past their deadline, oldest first (not locked: each is then taken on its own). */
  async dueIds(limit: number): Promise<string[]> {
    const rows = (await this.db('payments')
      .where('deadline_at', '<=', this.db.fn.now())
      .orderBy('deadline_at')
      .limit(limit)
      .select('id')) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /**
   * The payment, locked, with the database's clock, if it is still past its deadline and no other
   * sweeper holds it (SKIP LOCKED: several instances sweep without taking the same saga).
   */
  async lockIfDue(paymentId: string): Promise<{ payment: Payment; now: Date } | undefined> {
    const row = (await this.db('payments')
      .where({ id: paymentId })
      .andWhere('deadline_at', '<=', this.db.fn.now())
      .select(COLUMNS)
      .select(this.db.raw('now() as "dbNow"'))
      .forUpdate()
      .skipLocked()
      .first()) as (Payment & { dbNow: Date }) | undefined;
    if (!row) return undefined;
    const { dbNow, ...payment } = row;
    return { payment, now: dbNow };
  }

  /** A saga whose step could not be taken is tried again after `ms`, not at every sweep. */
  async postponeDeadline(paymentId: string, ms: number): Promise<void> {
    await this.db('payments')
      .where({ id: paymentId })
      .update({ deadline_at: this.db.raw(`now() + make_interval(secs => ?)`, [ms / 1000]) });
  }
}
