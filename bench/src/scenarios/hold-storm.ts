import { randomInt } from 'node:crypto';
import { dropDatabase, ensureDatabase, withDatabase } from '@ticketing/platform';
import type autocannon from 'autocannon';
import pg from 'pg';
import { activeFans } from '../fans';
import { runLoad } from '../load';
import { serviceMain, startProcess } from '../processes';
import type { Row } from '../report';
import type { BenchContext } from '../run';

/**
 * Seat-hold storm: 10,000 POST /reservations from 2,000 fans (2,000 connections) over the 50
 * seats of one schedule. Invariant: exactly 50 winners, one per seat.
 */
export async function holdStormScenario(ctx: BenchContext): Promise<Row[]> {
  const clients = ctx.smoke ? 200 : 2000;
  const requests = ctx.smoke ? 1000 : 10_000;
  const prefix = `bench-${Date.now()}:`;
  const databaseUrl = withDatabase(ctx.infra.databaseUrl, `bench_reservation_${Date.now()}`);
  await ensureDatabase(databaseUrl);
  const service = await startProcess('reservation', serviceMain('reservation'), {
    ...ctx.serviceEnv,
    DATABASE_URL: databaseUrl,
    REDIS_KEY_PREFIX: prefix,
    KAFKA_CONSUMER_GROUP: `bench-reservation-${Date.now()}`,
    DB_POOL_MAX: '20',
  });
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    // Setup shortcut: the schedule goes straight into the replica instead of through concert.events.
    const scheduleId = randomInt(1, 2 ** 31);
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
    const storm = await runLoad({
      label: 'POST /reservations storm',
      url: service.url,
      connections: clients,
      amount: requests,
      requests: [request],
    });
    const wallSeconds = (Date.now() - started) / 1000;
    const { rows } = await db.query<{ n: string; seats: string }>(
      `select count(*) as n, count(distinct seat_no) as seats from reservations where schedule_id = $1 and status in ('HELD','CONFIRMED')`,
      [scheduleId],
    );
    const winners = Number(rows[0]!.n);
    const invariant = winners === 50 && Number(rows[0]!.seats) === 50;
    return [
      {
        scenario: `reservation: hold storm (${requests} requests, ${clients} clients, 50 seats)`,
        measured: storm,
        target: 'wall ≤ 3 s, exactly 50 winners',
        met: wallSeconds <= 3 && invariant,
        notes: `wall ${wallSeconds.toFixed(2)} s; winners ${winners} (${invariant ? 'invariant holds' : 'INVARIANT BROKEN'}); 2xx ${storm.total - storm.non2xx}, 409 ${storm.non2xx}`,
      },
    ];
  } finally {
    await db.end();
    await service.stop();
    await dropDatabase(databaseUrl).catch(() => undefined);
  }
}
