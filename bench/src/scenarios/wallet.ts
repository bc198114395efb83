import { randomInt, randomUUID } from 'node:crypto';
import type autocannon from 'autocannon';
import { providerTokens } from '@ticketing/testing';
import pg from 'pg';
import { cpuBreakdown, pidsMatching } from '../cpu';
import { runLoad } from '../load';
import { pgbenchOn } from '../pgbench';
import { chargeScript, debitScript } from '../sql-scripts';
import type { Row } from '../report';
import type { BenchContext } from '../context';
import { serviceAlone } from '../service-alone';

/** Charges on one hot wallet and spread over 1,000 wallets, next to pgbench's single-row update. */
export async function walletScenario(ctx: BenchContext): Promise<Row[]> {
  const { service, databaseUrl, stop } = await serviceAlone(ctx, 'wallet');
  try {
    // Each wallet is charged by its owner, with the owner's access token.
    const owners = async (n: number) => {
      const ids = Array.from({ length: n }, () => randomUUID());
      const tokens = await providerTokens(ids, ctx.identityProvider);
      return ids.map((userId, i) => ({ userId, identity: tokens[i]! }));
    };
    const [hot] = await owners(1);
    const spread = await owners(1000);
    const chargeTo = (
      pick: () => { userId: string; identity: string },
      keyed = false,
    ): autocannon.Request => ({
      method: 'POST',
      path: '/wallets',
      setupRequest: (req) => {
        const owner = pick();
        return {
          ...req,
          path: `/wallets/${owner.userId}/charges`,
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${owner.identity}`,
            ...(keyed && { 'idempotency-key': randomUUID() }),
          },
          body: JSON.stringify({ amount: 1 + randomInt(1000) }),
        };
      },
    });
    const hotRun = await runLoad({
      label: 'charges, one wallet',
      url: service.urls,
      connections: 100,
      durationSeconds: ctx.seconds,
      requests: [chargeTo(() => hot!)],
    });
    // Over 1,000 wallets without and with a new Idempotency-Key each, with the CPU per charge of
    // the service and Postgres: what a kept answer adds.
    const spreadCharges = (keyed: boolean) =>
      cpuBreakdown(
        {
          wallet: () => service.procs.map((p) => p.child.pid!),
          postgres: () => pidsMatching('postgres'),
        },
        () =>
          runLoad({
            label: `charges, 1,000 wallets${keyed ? ', each with a new Idempotency-Key' : ''}`,
            url: service.urls,
            connections: 100,
            durationSeconds: ctx.seconds,
            requests: [chargeTo(() => spread[randomInt(spread.length)]!, keyed)],
          }),
      );
    const spread1 = await spreadCharges(false);
    const keyed1 = await spreadCharges(true);
    const spreadRun = spread1.result;
    const cpuPerCharge = ({ result, seconds }: typeof spread1) => {
      const us = (s = 0) => (1e6 * s) / Math.max(1, result.total);
      const [w, p] = [us(seconds.wallet), us(seconds.postgres)];
      return `CPU per charge ${(w + p).toFixed(0)} µs (wallet ${w.toFixed(0)}, Postgres ${p.toFixed(0)})`;
    };

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ bad: string }>(
      `select count(*) as bad from wallets w where w.balance <> (select coalesce(sum(case when type = 'DEBIT' then -amount else amount end), 0) from ledger l where l.user_id = w.user_id)`,
    );
    const invariant = `balance = ledger sum for every wallet: ${Number(rows[0]!.bad) === 0 ? 'holds' : `BROKEN for ${rows[0]!.bad}`}`;
    // pgbench's wallets (ids 1..1,000 as uuids), so its debits always find theirs.
    await db.query(
      `insert into wallets (user_id, balance) select lpad(to_hex(g), 32, '0'), 0 from generate_series(1, 1000) g`,
    );
    await db.end();

    // The database's own ceiling for the same SQL (sql-scripts.ts), with as many connections as the pools.
    const connections = ctx.poolSize * ctx.instances;
    const sql = pgbenchOn(databaseUrl, connections, ctx.seconds);
    const pgHot = sql('charge SQL, 1 wallet', chargeScript(1));
    const pgSpread = sql('charge SQL, 1,000 wallets', chargeScript(1000));
    // After the charges: every one of the 1,000 wallets exists and holds plenty.
    const pgDebit = sql('debit SQL (saga step), 1,000 wallets', debitScript(1000));
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
        notes: `${invariant}; ${cpuPerCharge(spread1)}`,
      },
      {
        scenario: 'wallet: charges over 1,000 wallets, each with a new Idempotency-Key',
        measured: keyed1.result,
        ceiling: spreadRun,
        notes: `${invariant}; ${cpuPerCharge(keyed1)}; the ceiling is the same charges without a key`,
      },
      ...(pgDebit
        ? [
            {
              scenario: "wallet: the saga's debit transaction, database alone",
              measured: pgDebit,
              notes:
                'pgbench of the wallet.debit handler SQL (inbox, debit, ledger, outbox); the most a wallet database could debit per second',
            },
          ]
        : []),
    ];
  } finally {
    await stop();
  }
}
