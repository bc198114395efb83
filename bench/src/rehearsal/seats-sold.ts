import type { Knex } from '@ticketing/platform';
import { createDb } from '@ticketing/platform/wiring';
import type { Stage } from './stage';

/** The reservation service's store, read as the rehearsal checks it. */
export const reservationStore = (stage: Stage): Knex =>
  createDb({ url: stage.databases.reservation, applicationName: 'rehearsal' });

/** How many seats of these dates are paid for (CONFIRMED), as the reservation store says. */
export async function seatsConfirmed(db: Knex, schedules: number[]): Promise<number> {
  const [row] = (await db('reservations')
    .whereIn('schedule_id', schedules)
    .andWhere({ status: 'CONFIRMED' })
    .count('* as n')) as { n: string | number }[];
  return Number(row?.n ?? 0);
}

/**
 * Whether every seat of the on-sale is paid for, as the reservation store says (seats
 * CONFIRMED), asked every second until it is. The fans' own count of what they paid falls short
 * when a fan stops waiting for a payment that then completes: the sale was sold out, the waiting
 * fans were told SOLD_OUT, and the generator, still one seat short, kept them asking until its
 * deadline (a default run: 493 of 500 seen paid, every seat confirmed).
 */
export function watchSeatsSold(
  stage: Stage,
  on: { schedules: number[]; seats: number },
  sold: () => void,
): { stop(): Promise<void> } {
  const db = reservationStore(stage);
  let stopped = false;
  const look = async () => (await seatsConfirmed(db, on.schedules)) >= on.seats;
  const watching = (async () => {
    while (!stopped) {
      if (await look().catch(() => false)) return sold();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await watching;
      await db.destroy();
    },
  };
}
