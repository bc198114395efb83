import fs from 'node:fs';
import pg from 'pg';

/** What a saga run must leave behind, counted over every payment of the run. */
export interface SagaOutcome {
  payments: number;
  completed: number;
  failed: number;
  /** Payments still PENDING: every saga must have ended. */
  unended: number;
  /** Money kept (an APPLIED debit) for a payment that is not COMPLETED, or the reverse. */
  moneyWithoutSeat: number;
  /** A seat CONFIRMED by a payment that is not COMPLETED, or a COMPLETED one without it. */
  seatWithoutMoney: number;
  /** Wallets whose balance differs from their ledger, or is negative. */
  walletsOff: number;
}

async function rows<R>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-checks' });
  await client.connect();
  try {
    return (await client.query(sql)).rows as R[];
  } finally {
    await client.end();
  }
}

/**
 * The saga's invariants after a run (each service has its own database, so they are joined
 * here): every saga ended; money taken ⇔ seat confirmed by that payment ⇔ payment COMPLETED;
 * every balance equals its ledger and is ≥ 0.
 */
export async function sagaOutcome(databases: {
  payment: string;
  wallet: string;
  reservation: string;
}): Promise<SagaOutcome> {
  const payments = await rows<{ id: string; reservation_id: string; status: string }>(
    databases.payment,
    'select id, reservation_id, status from payments',
  );
  const applied = new Set(
    (
      await rows<{ payment_id: string }>(
        databases.wallet,
        `select payment_id from debits where status = 'APPLIED'`,
      )
    ).map((d) => d.payment_id),
  );
  const confirmedBy = new Map(
    (
      await rows<{ id: string; payment_id: string }>(
        databases.reservation,
        `select id, payment_id from reservations where status = 'CONFIRMED'`,
      )
    ).map((r) => [r.id, r.payment_id]),
  );
  const [wallets] = await rows<{ off: number }>(
    databases.wallet,
    `select count(*)::int as off from wallets w
     where w.balance < 0 or w.balance <> coalesce((select sum(case when l.type = 'DEBIT' then -l.amount else l.amount end)
       from ledger l where l.user_id = w.user_id), 0)`,
  );
  const outcome: SagaOutcome = {
    payments: payments.length,
    completed: 0,
    failed: 0,
    unended: 0,
    moneyWithoutSeat: 0,
    seatWithoutMoney: 0,
    walletsOff: wallets!.off,
  };
  for (const p of payments) {
    if (p.status === 'PENDING') outcome.unended += 1;
    if (p.status === 'COMPLETED') outcome.completed += 1;
    if (p.status === 'FAILED') outcome.failed += 1;
    const money = applied.has(p.id);
    const seat = confirmedBy.get(p.reservation_id) === p.id;
    const paid = p.status === 'COMPLETED';
    if (money !== paid) outcome.moneyWithoutSeat += 1;
    if (seat !== paid) outcome.seatWithoutMoney += 1;
  }
  return outcome;
}

export const sagaInvariantsHold = (o: SagaOutcome) =>
  o.unended === 0 && o.moneyWithoutSeat === 0 && o.seatWithoutMoney === 0 && o.walletsOff === 0;

/**
 * Statements each service's database ran per saga, from pg_stat_statements when the server
 * loads it (shared_preload_libraries); undefined otherwise. `reset` before, `read` after.
 */
export class StatementCounts {
  private constructor(
    private readonly adminUrl: string,
    private readonly available: boolean,
  ) {}

  static async open(adminUrl: string): Promise<StatementCounts> {
    try {
      await rows(adminUrl, 'create extension if not exists pg_stat_statements');
      await rows(adminUrl, 'select 1 from pg_stat_statements limit 1');
      return new StatementCounts(adminUrl, true);
    } catch {
      return new StatementCounts(adminUrl, false);
    }
  }

  async reset(): Promise<void> {
    if (this.available) await rows(this.adminUrl, 'select pg_stat_statements_reset()');
  }

  /** Calls per saga by database (service), internal trigger statements left out. */
  async read(databases: Record<string, string>, sagas: number): Promise<string | undefined> {
    if (!this.available || sagas === 0) return undefined;
    const byName = new Map(
      Object.entries(databases).map(([service, url]) => [
        decodeURIComponent(new URL(url).pathname.slice(1)),
        service,
      ]),
    );
    const counts = await rows<{ datname: string; calls: number }>(
      this.adminUrl,
      `select d.datname, sum(s.calls)::int as calls from pg_stat_statements s
       join pg_database d on d.oid = s.dbid
       where s.toplevel group by d.datname`,
    );
    // BENCH_STATEMENTS_FILE=path: every statement with its calls and execution time per saga.
    const file = process.env.BENCH_STATEMENTS_FILE;
    if (file) {
      const detail = await rows<{ datname: string; calls: number; ms: number; query: string }>(
        this.adminUrl,
        `select d.datname, s.calls::int as calls, s.total_exec_time as ms, s.query
         from pg_stat_statements s join pg_database d on d.oid = s.dbid
         where s.toplevel order by d.datname, s.calls desc`,
      );
      const line = (c: (typeof detail)[number]) =>
        [
          byName.get(c.datname),
          (c.calls / sagas).toFixed(2),
          `${(c.ms / sagas).toFixed(3)} ms`,
          c.query.replace(/\s+/g, ' ').slice(0, 200),
        ].join('\t');
      fs.writeFileSync(
        file,
        detail
          .filter((c) => byName.has(c.datname))
          .map(line)
          .join('\n'),
      );
    }
    const parts = counts
      .filter((c) => byName.has(c.datname))
      .map((c) => `${byName.get(c.datname)} ${(c.calls / sagas).toFixed(1)}`);
    const total = counts.filter((c) => byName.has(c.datname)).reduce((a, c) => a + c.calls, 0);
    return `${(total / sagas).toFixed(1)} (${parts.join(', ')})`;
  }
}
