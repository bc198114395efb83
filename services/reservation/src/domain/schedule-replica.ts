import type { DataOf, concert } from '@ticketing/contracts';
import { enqueue } from '@ticketing/messaging';
import type { Transaction } from '@ticketing/platform';
import { ReservationRepository } from '../data-access/reservation-repository';
import { releasedEvent } from './events';

/**
 * The concert service announced a schedule (new or changed): the replica keeps its newest
 * revision, so holds are checked against dates and windows without asking the concert service.
 * A date an operator cancelled releases its holds (reason CANCELLED): the seats come back and
 * each fan's hold ends.
 */
export async function replicateSchedule(
  tx: Transaction,
  schedule: DataOf<typeof concert.schedulePublished>,
): Promise<void> {
  const repo = new ReservationRepository(tx);
  await repo.upsertSchedule(schedule);
  if (schedule.status === 'CANCELLED')
    await enqueue(tx, (await repo.releaseHoldsOf(schedule.scheduleId)).map(releasedEvent));
}
