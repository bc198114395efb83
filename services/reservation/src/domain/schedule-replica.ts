import type { DataOf, concert } from '@ticketing/contracts';
import type { OutgoingMessage } from '@ticketing/messaging';
import type { Transaction } from '@ticketing/platform';
import { releasedEvent } from './events';
import type { ReservationsIn } from './repositories';

/**
 * The concert service announced a schedule (new or changed): the replica keeps its newest
 * revision, so holds are checked against dates and windows without asking the concert service.
 * A date an operator cancelled releases its holds (reason CANCELLED): the seats come back and
 * each fan's hold ends. Returns the events of the holds it released.
 */
export async function replicateSchedule(
  schedule: DataOf<typeof concert.schedulePublished>,
  tx: Transaction,
  reservationsIn: ReservationsIn,
): Promise<OutgoingMessage[]> {
  const repo = reservationsIn(tx);
  await repo.upsertSchedule(schedule);
  if (schedule.status !== 'CANCELLED') return [];
  return (await repo.releaseHoldsOf(schedule.scheduleId)).map(releasedEvent);
}
