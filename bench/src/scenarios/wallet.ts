import { randomInt, randomUUID } from 'node:crypto';
import { dropDatabase, ensureDatabase, withDatabase } from '@ticketing/platform';
import type autocannon from 'autocannon';
import pg from 'pg';
import { runLoad } from '../load';
import { pgbench } from '../pgbench';
import { serviceMain, startProcess } from '../processes';
import type { Row } from '../report';
import type { BenchContext } from '../run';

const POOL = 20;

/** Charges on one hot wallet and spread over 1,000 wallets, next to pgbench's single-row update. */
export async function walletScenario(ctx: BenchContext): Promise<Row[]> {
  const databaseUrl = withDatabase(ctx.infra.databaseUrl, `bench_wallet_${Date.now()}`);
  await ensureDatabase(databaseUrl);
  const service = await startProcess('wallet', serviceMain('wallet'), {
    ...ctx.serviceEnv,
    DATABASE_URL: databaseUrl,
    KAFKA_CONSUMER_GROUP: `bench-wallet-${Date.now()}`,
    DB_POOL_MAX: String(POOL),
  });
  try {
    const hot = randomUUID();
    const spread = Array.from({ length: 1000 }, () => randomUUID());
    const chargeTo = (pick: () => string): autocannon.Request => ({
      method: 'POST',
      path: '/wallets',
      setupRequest: (req) => ({
        ...req,
        path: `/wallets/${pick()}/charges`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 1 + randomInt(1000) }),
      }),
    });
    const hotRun = await runLoad({
      label: 'charges, one wallet',
      url: service.url,
      connections: 100,
      durationSeconds: ctx.seconds,
      requests: [chargeTo(() => hot)],
    });
    const spreadRun = await runLoad({
      label: 'charges, 1,000 wallets',
      url: service.url,
      connections: 100,
      durationSeconds: ctx.seconds,
      requests: [chargeTo(() => spread[randomInt(spread.length)]!)],
    });

    // The database's own ceiling for a single-row update, hot and spread, with the pool's connection count.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query('create table bench_rows (id int primary key, balance bigint not null)');
    await db.query('insert into bench_rows select g, 0 from generate_series(1, 1000) g');
    await db.end();
    const pgHot = pgbench(
      `pgbench update, 1 row, ${POOL} conns`,
      databaseUrl,
      'update bench_rows set balance = balance + 1 where id = 1;\n',
      POOL,
      ctx.seconds,
    );
    const pgSpread = pgbench(
      `pgbench update, 1,000 rows, ${POOL} conns`,
      databaseUrl,
      '\\set id random(1, 1000)\nupdate bench_rows set balance = balance + 1 where id = :id;\n',
      POOL,
      ctx.seconds,
    );
    const check = new pg.Client({ connectionString: databaseUrl });
    await check.connect();
    const { rows } = await check.query<{ bad: string }>(
      `select count(*) as bad from wallets w where w.balance <> (select coalesce(sum(case when type = 'DEBIT' then -amount else amount end), 0) from ledger l where l.user_id = w.user_id)`,
    );
    await check.end();
    const invariant = `balance = ledger sum for every wallet: ${Number(rows[0]!.bad) === 0 ? 'holds' : `BROKEN for ${rows[0]!.bad}`}`;
    return [
      {
        scenario: 'wallet: charges on one hot wallet',
        measured: hotRun,
        ceiling: pgHot,
        notes: invariant,
      },
      {
        scenario: 'wallet: charges over 1,000 wallets',
        measured: spreadRun,
        ceiling: pgSpread,
        notes: invariant,
      },
    ];
  } finally {
    await service.stop();
    await dropDatabase(databaseUrl).catch(() => undefined);
  }
}
