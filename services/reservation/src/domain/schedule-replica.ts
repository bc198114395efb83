import type { DataOf, concert } from '@ticketing/contracts';
import type { Transaction } from '@ticketing/platform';
import { ReservationRepository } from '../data-access/reservation-repository';

/**
 * The concert service announced a schedule (new or changed): the replica keeps its newest
 * revision, so holds are checked against dates and windows without asking the concert service.
 */
export function replicateSchedule(
  tx: Transaction,
  schedule: DataOf<typeof concert.schedulePublished>,
): Promise<void> {
  return new ReservationRepository(tx).upsertSchedule(schedule);
}
