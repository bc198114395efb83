import { randomInt } from 'node:crypto';
import type autocannon from 'autocannon';
import pg from 'pg';
import { cpuBreakdown } from '../cpu';
import { activeFans } from '../fans';
import { runLoad } from '../load';
import { pgbenchOn } from '../pgbench';
import type { Row } from '../report';
import type { BenchContext } from '../context';
import { serviceAlone } from '../service-alone';
import { holdPrecheckScript, holdTransactionScript } from '../sql-scripts';
import { uniqueStamp } from '../stamps';

/**
 * Seat-hold storm: 10,000 POST /reservations from 2,000 fans (2,000 connections) over the 50
 * seats of one schedule. Invariant: exactly 50 winners, one per seat.
 */
export async function holdStormScenario(ctx: BenchContext): Promise<Row[]> {
  return (await runHoldStorm(ctx)).rows;
}

/**
 * The storm with its knobs: a label for the rows, and whether to measure the baselines (the
 * express storm, the SQL alone) too; the tracing scenario compares two storms without them.
 */
export async function runHoldStorm(
  ctx: BenchContext,
  options: { label?: string; baselines?: boolean } = {},
): Promise<{ rows: Row[]; wallSeconds: number; cpuSeconds: number; invariant: boolean }> {
  const baselines = options.baselines ?? true;
  const label = options.label ? ` (${options.label})` : '';
  const clients = ctx.smoke ? 200 : 2000;
  const requests = ctx.smoke ? 1000 : 10_000;
  const { service, databaseUrl, prefix, db, stop } = await reservationAlone(ctx);
  try {
    // Setup shortcut: the schedule goes straight into the replica instead of through concert.events.
    const scheduleId = randomInt(1, 2 ** 30); // room above it for the pgbench schedules
    const concertId = randomInt(1, 2 ** 31);
    await db.query(
      `insert into schedules values ($1, $2, now() + interval '30 days', now() - interval '1 day', now() + interval '29 days', 99000, 50, 'OPEN', 1)`,
      [scheduleId, concertId],
    );
    const fans = await activeFans(ctx, { keyPrefix: prefix, concertId, count: clients });
    const request: autocannon.Request = {
      method: 'POST',
      path: '/reservations',
      setupRequest: (req) => ({
        ...req,
        headers: {
          'content-type': 'application/json',
          authorization: fans.nextAuthorization(),
        },
        body: JSON.stringify({ scheduleId, seatNo: randomInt(1, 51) }),
      }),
    };
    const started = Date.now();
    const { result: storm, seconds: cpu } = await cpuBreakdown(
      { reservation: () => service.procs.map((p) => p.child.pid!) },
      () =>
        runLoad({
          label: 'POST /reservations storm',
          url: service.urls,
          connections: clients,
          amount: requests,
          requests: [request],
        }),
    );
    const wallSeconds = (Date.now() - started) / 1000;
    const cpuSeconds = cpu.reservation ?? 0;
    const winnersOf = async () => {
      const { rows } = await db.query<{ n: string; seats: string }>(
        `select count(*) as n, count(distinct seat_no) as seats from reservations where schedule_id = $1 and status in ('HELD','CONFIRMED')`,
        [scheduleId],
      );
      return { winners: Number(rows[0]!.n), seats: Number(rows[0]!.seats) };
    };
    if (!baselines) {
      const { winners, seats } = await winnersOf();
      const invariant = winners === 50 && seats === 50;
      return {
        wallSeconds,
        cpuSeconds,
        invariant,
        rows: [
          {
            scenario: `reservation: hold storm${label} (${requests} requests, ${clients} clients, 50 seats)`,
            measured: storm,
            notes: `wall ${wallSeconds.toFixed(2)} s; reservation CPU ${((1e6 * cpuSeconds) / requests).toFixed(0)} µs per request; winners ${winners} (${invariant ? 'invariant holds' : 'INVARIANT BROKEN'})`,
          },
        ],
      };
    }
    // The same storm (tool, connections, request count, instances) on express answering at once.
    const ceilingStarted = Date.now();
    const ceiling = await ctx.ceilings.expressStorm(clients, requests);
    const ceilingWallSeconds = (Date.now() - ceilingStarted) / 1000;
    const { winners, seats } = await winnersOf();
    const invariant = winners === 50 && seats === 50;

    // The database alone, same SQL (sql-scripts.ts), as many connections as the pools: the read
    // that answers a loser (on the storm's schedule, every seat now taken), and a winner's
    // transaction (each pgbench client on a schedule of its own).
    const connections = ctx.poolSize * ctx.instances;
    const sql = pgbenchOn(databaseUrl, connections, ctx.seconds);
    const precheck = sql('hold precheck SQL', holdPrecheckScript(scheduleId));
    const firstBenchSchedule = scheduleId + 1;
    await db.query(
      `insert into schedules select $1::int + g, $2, now() + interval '30 days', now() - interval '1 day', now() + interval '29 days', 99000, 50, 'OPEN', 1 from generate_series(0, $3::int) g`,
      [firstBenchSchedule, concertId, connections],
    );
    const holdTx = sql('hold transaction SQL', holdTransactionScript(firstBenchSchedule));
    const sqlRows: Row[] = [precheck, holdTx].flatMap((measured) =>
      measured
        ? [
            {
              scenario: `reservation: ${measured.label.replace(/^pgbench /, '').replace(/,.*/, '')}, database alone`,
              measured,
              notes:
                measured === precheck
                  ? 'what a loser cost before the taken-seat cache (ADR 0006): the storm without it is bound by this'
                  : 'a winner an overdue hold blocks: release it, insert, read back, enqueue, commit (a free seat: one statement, the `holds` scenario)',
            },
          ]
        : [],
    );
    const rows: Row[] = [
      {
        scenario: `reservation: hold storm${label} (${requests} requests, ${clients} clients, 50 seats)`,
        measured: storm,
        ceiling,
        target: '≥ 85% of the express storm’s speed, exactly 50 winners',
        met: ceilingWallSeconds / wallSeconds >= 0.85 && invariant,
        notes: `wall ${wallSeconds.toFixed(2)} s (express storm ${ceilingWallSeconds.toFixed(2)} s: ${(100 * (ceilingWallSeconds / wallSeconds)).toFixed(0)}% of its speed); winners ${winners} (${invariant ? 'invariant holds' : 'INVARIANT BROKEN'}); 2xx ${storm.total - storm.non2xx}, 409 ${storm.non2xx}`,
      },
      ...sqlRows,
    ];
    return { rows, wallSeconds, cpuSeconds, invariant };
  } finally {
    await stop();
  }
}

/**
 * The reservation service alone, on a database and a Redis key prefix of its own, with a client
 * on that database for the scenario's setup and checks; `stop` ends all of it.
 */
export async function reservationAlone(ctx: BenchContext) {
  const stamp = uniqueStamp();
  const prefix = `bench-${stamp}:`;
  const alone = await serviceAlone(ctx, 'reservation', {
    stamp,
    env: { REDIS_KEY_PREFIX: prefix },
  });
  const db = new pg.Client({ connectionString: alone.databaseUrl });
  await db.connect();
  const stop = async () => {
    await db.end();
    await alone.stop();
  };
  return { service: alone.service, databaseUrl: alone.databaseUrl, prefix, db, stop };
}
