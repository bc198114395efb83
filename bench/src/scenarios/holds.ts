import { randomInt } from 'node:crypto';
import type autocannon from 'autocannon';
import { cpuBreakdown, pidsMatching } from '../cpu';
import { activeFans } from '../fans';
import { runLoad } from '../load';
import type { Row } from '../report';
import type { BenchContext } from '../context';
import { reservationAlone } from './hold-storm';

/** Seats of a date (every venue's). */
const SEATS = 50;

/**
 * Winners only: 2,000 fans, each holding a free seat of its own (one POST /reservations each,
 * 50 connections), so every request takes the path a won seat takes, to its announcement in the
 * outbox. The figure is CPU per hold in the reservation service and in Postgres; the hold storm
 * beside it is nearly all losers. Invariant: every fan holds their seat, one hold per seat.
 */
export async function holdsScenario(ctx: BenchContext): Promise<Row[]> {
  const holds = ctx.smoke ? 200 : 2000;
  const { service, prefix, db, stop } = await reservationAlone(ctx);
  try {
    // Setup shortcut, as in the hold storm: the dates (50 seats each, as every venue has) go
    // straight into the replica, enough of them for a seat per fan.
    const firstScheduleId = randomInt(1, 2 ** 30);
    const concertId = randomInt(1, 2 ** 31);
    await db.query(
      `insert into schedules select $1::int + g, $2, now() + interval '30 days', now() - interval '1 day', now() + interval '29 days', 99000, ${SEATS}, 'OPEN', 1 from generate_series(0, $3::int - 1) g`,
      [firstScheduleId, concertId, holds / SEATS],
    );
    const fans = await activeFans(ctx, { keyPrefix: prefix, concertId, count: holds });
    let seat = 0;
    const request: autocannon.Request = {
      method: 'POST',
      path: '/reservations',
      setupRequest: (req) => ({
        ...req,
        headers: { 'content-type': 'application/json', authorization: fans.nextAuthorization() },
        body: JSON.stringify({
          scheduleId: firstScheduleId + Math.floor((seat % holds) / SEATS),
          seatNo: (seat++ % SEATS) + 1,
        }),
      }),
    };
    const { result, seconds } = await cpuBreakdown(
      {
        reservation: () => service.procs.map((p) => p.child.pid!),
        postgres: () => pidsMatching('postgres'),
      },
      () =>
        runLoad({
          label: 'POST /reservations, a free seat each',
          url: service.urls,
          connections: 50,
          amount: holds,
          requests: [request],
        }),
    );
    const { rows } = await db.query<{ n: string; seats: string; fans: string }>(
      `select count(*) as n, count(distinct (schedule_id, seat_no)) as seats, count(distinct user_id) as fans
       from reservations where schedule_id >= $1 and schedule_id < $1 + $2 and status = 'HELD'`,
      [firstScheduleId, holds / SEATS],
    );
    const held = Number(rows[0]!.n);
    const invariant =
      held === holds && Number(rows[0]!.seats) === holds && Number(rows[0]!.fans) === holds;
    const perHold = (s = 0) => (1e6 * s) / holds;
    const reservationUs = perHold(seconds.reservation);
    const postgresUs = perHold(seconds.postgres);
    return [
      {
        scenario: `reservation: free-seat holds (${holds} fans, a seat each, 50 connections)`,
        measured: result,
        target: 'every fan holds their seat',
        met: invariant && result.non2xx === 0,
        notes: `CPU per hold ${(reservationUs + postgresUs).toFixed(0)} µs: reservation ${reservationUs.toFixed(0)}, Postgres ${postgresUs.toFixed(0)}; ${held} held (${invariant ? 'one per seat and fan' : 'INVARIANT BROKEN'}); non-2xx ${result.non2xx}`,
      },
    ];
  } finally {
    await stop();
  }
}
