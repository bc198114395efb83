import { randomUUID } from 'node:crypto';
import {
  inboxClaim,
  outboxInsert,
  outboxWriter,
  type InboxRecord,
  type OutgoingMessage,
} from '@ticketing/messaging';
import { Transaction, type Queryable, type Knex } from '@ticketing/platform';
import type { Debit, EntryType, LedgerEntry } from '../domain/ledger';
import type { WalletRepository as WalletStore } from '../domain/repositories';

/**
 * Adds $2 to the wallet of user $1 (creating it) unless the balance would pass $3 (null: no
 * limit); the balance after, or no row.
 */
const CREDIT = `insert into wallets as w (user_id, balance) values ($1, $2)
  on conflict (user_id) do update set balance = w.balance + excluded.balance, updated_at = now()
    where $3::bigint is null or w.balance + excluded.balance <= $3::bigint
  returning balance`;

/**
 * A payment's debit as CTEs over payment $1, user $2, amount $3 and transaction id $4: `taken`
 * (the balance after it, when the wallet held enough), its ledger entry, and `debit` (APPLIED or
 * REJECTED, returning its status). With `only`, all of it only if the CTE of that name has a row.
 */
const debitCtes = (only?: string) => `taken as (
    update wallets set balance = balance - $3, updated_at = now()
    where user_id = $2 and balance >= $3 ${only ? `and exists (select 1 from ${only})` : ''}
    returning balance),
  entry as (
    insert into ledger (id, user_id, type, amount, balance_after, payment_id)
    select $4, $2, 'DEBIT', $3, balance, $1 from taken),
  debit as (
    insert into debits (payment_id, user_id, amount, status, transaction_id)
    select $1, $2, $3,
      case when exists (select 1 from taken) then 'APPLIED' else 'REJECTED' end,
      case when exists (select 1 from taken) then $4::uuid end
    ${only ? `from ${only}` : ''}
    returning status)`;

/**
 * Balances move only through single conditional statements (no read-modify-write in code):
 * the row lock orders concurrent changes, and the check constraint keeps balances ≥ 0.
 */
export class WalletRepository implements WalletStore {
  private readonly db: Knex | Knex.Transaction;

  constructor(private readonly executor: Queryable) {
    this.db = executor.knex;
  }

  /**
   * A charge, in one statement (atomic by itself: no transaction, so the wallet's row is locked
   * only while Postgres runs it, never across round trips to this process): adds to the wallet
   * (creating it) unless the balance would pass `maxBalance`, with its ledger entry and the
   * messages that announce it, their `balance` set to the balance after it. The balance, or
   * null when refused: nothing is written then.
   */
  async charge(
    charge: { userId: string; amount: number; transactionId: string },
    maxBalance: number | null,
    announce: OutgoingMessage[],
    kept?: { key: string; requestHash: string },
  ): Promise<number | null> {
    const { userId, amount, transactionId } = charge;
    const params: unknown[] = [userId, amount, maxBalance, transactionId];
    if (kept) params.push(kept.key, kept.requestHash);
    const writer = outboxWriter(this.executor);
    const outbox = outboxInsert(announce, params.length + 1, writer.notify, {
      from: 'credited',
      fields: { balance: 'balance' },
    });
    // The answer as `complete` keeps it (ChargeResult); no ON CONFLICT: a key already there
    // (or being claimed) fails the statement, charge included.
    const keep = `, kept as (
         insert into idempotency_keys (user_id, key, request_hash, status, response_status,
           response_body)
         select $1, $5, $6, 'DONE', 200, jsonb_build_object('userId', $1::text,
           'balance', balance, 'transactionId', $4::uuid::text)
         from credited)`;
    const [row] = await this.executor.query<{ balance: string | number }>(
      `with credited as (${CREDIT}),
       entry as (
         insert into ledger (id, user_id, type, amount, balance_after)
         select $4::uuid, $1, 'CHARGE', $2, balance from credited),
       outbox as (${outbox.sql})${kept ? keep : ''}
       select balance from credited`,
      [...params, ...outbox.params],
    );
    writer.written();
    return row ? Number(row.balance) : null;
  }

  /** Adds to a wallet (creating it) unless the balance would pass `maxBalance`; null then. */
  async credit(userId: string, amount: number, maxBalance: number | null): Promise<number | null> {
    const [row] = await this.executor.query<{ balance: string | number }>(CREDIT, [
      userId,
      amount,
      maxBalance,
    ]);
    return row ? Number(row.balance) : null;
  }

  /**
   * A payment's debit, in one statement: takes the amount if the wallet holds enough (with its
   * ledger entry) and records the debit as APPLIED, or records it as REJECTED and changes
   * nothing else. Returns the debit and the balance after it (null when rejected).
   */
  async debitForPayment(
    paymentId: string,
    userId: string,
    amount: number,
  ): Promise<{ debit: Debit; balance: number | null }> {
    const transactionId = randomUUID();
    const [row] = await this.executor.query<{ balance: string | number | null; applied: boolean }>(
      `with ${debitCtes()}
       select (select balance from taken) as balance, exists (select 1 from taken) as applied`,
      [paymentId, userId, amount, transactionId],
    );
    const { balance, applied } = row!;
    return {
      debit: {
        paymentId,
        userId,
        amount,
        status: applied ? 'APPLIED' : 'REJECTED',
        transactionId: applied ? transactionId : null,
        refundTransactionId: null,
      },
      balance: balance === null ? null : Number(balance),
    };
  }

  /**
   * The statement of `debitForPayment`, taken only when the payment has no debit and the
   * command no inbox record (`fresh`), with that record and the reply that fits. A debit
   * another command wrote meanwhile breaks the debits' key: nothing is written then either. In
   * a transaction (a batch) that error has aborted it, so it is not taken for a decline.
   */
  async debitForPaymentRecorded(
    debit: { paymentId: string; userId: string; amount: number; transactionId: string },
    replies: { debited: OutgoingMessage; rejected: OutgoingMessage },
    inbox: InboxRecord,
  ): Promise<'APPLIED' | 'REJECTED' | undefined> {
    const params: unknown[] = [debit.paymentId, debit.userId, debit.amount, debit.transactionId];
    const claim = inboxClaim(inbox, params.length + 1);
    params.push(...claim.params);
    const writer = outboxWriter(this.executor);
    const debited = outboxInsert([replies.debited], params.length + 1, writer.notify, {
      from: 'taken',
      fields: { balance: 'balance' },
    });
    params.push(...debited.params);
    const rejected = outboxInsert([replies.rejected], params.length + 1, writer.notify, {
      from: 'refused',
      fields: {},
    });
    params.push(...rejected.params);
    const rows = await this.executor
      .query<{ status: 'APPLIED' | 'REJECTED' }>(
        `with fresh as (
           select where not exists (select 1 from debits where payment_id = $1)
             and ${claim.unclaimed}),
         ${debitCtes('fresh')},
         refused as (select from fresh where not exists (select 1 from taken)),
         inbox as (${claim.insert('fresh')}),
         debited as (${debited.sql}),
         rejected as (${rejected.sql})
         select status from debit`,
        params,
      )
      .catch((err: unknown) => {
        const e = err as { code?: string; table?: string };
        if (e.code === '23505' && e.table === 'debits' && !(this.executor instanceof Transaction))
          return [];
        throw err;
      });
    if (rows.length === 0) return undefined;
    writer.written();
    return rows[0]!.status;
  }

  async record(
    userId: string,
    entry: { type: EntryType; amount: number; balanceAfter: number; paymentId?: string },
  ): Promise<string> {
    const transactionId = randomUUID();
    await this.db('ledger').insert({
      id: transactionId,
      user_id: userId,
      type: entry.type,
      amount: entry.amount,
      balance_after: entry.balanceAfter,
      payment_id: entry.paymentId ?? null,
    });
    return transactionId;
  }

  async balance(userId: string): Promise<number> {
    const row = (await this.db('wallets').where({ user_id: userId }).first('balance')) as
      { balance: number } | undefined;
    return row?.balance ?? 0;
  }

  /** Newest first; `before` is the seq of the last entry of the previous page. */
  async entries(userId: string, limit: number, before?: number): Promise<LedgerEntry[]> {
    const q = this.db('ledger')
      .where({ user_id: userId })
      .orderBy('seq', 'desc')
      .limit(limit)
      .select({
        transactionId: 'id',
        type: 'type',
        amount: 'amount',
        balanceAfter: 'balance_after',
        paymentId: 'payment_id',
        createdAt: 'created_at',
        seq: 'seq',
      });
    if (before !== undefined) q.andWhere('seq', '<', before);
    return q;
  }

  async findDebit(paymentId: string, lock = false): Promise<Debit | undefined> {
    const [row] = await this.executor.query<Debit>(
      `select payment_id as "paymentId", user_id as "userId", amount, status,
         transaction_id as "transactionId", refund_transaction_id as "refundTransactionId"
       from debits where payment_id = $1 ${lock ? 'for update' : ''}`,
      [paymentId],
    );
    return row;
  }

  async insertDebit(d: Debit): Promise<void> {
    await this.db('debits').insert({
      payment_id: d.paymentId,
      user_id: d.userId,
      amount: d.amount,
      status: d.status,
      transaction_id: d.transactionId,
      refund_transaction_id: d.refundTransactionId,
    });
  }

  async markRefunded(paymentId: string, refundTransactionId: string): Promise<void> {
    await this.db('debits').where({ payment_id: paymentId }).update({
      status: 'REFUNDED',
      refund_transaction_id: refundTransactionId,
      updated_at: this.db.fn.now(),
    });
  }
}
