import type { ReservationChange, ReservationRepository } from './repositories';
import type { Reservation } from './reservation';
import { assertTransition } from './rules';

/**
 * A reservation (locked by the caller's transaction) moves along an allowed transition only;
 * the repository stores it with a new seat version.
 */
export function moveReservation(
  repo: ReservationRepository,
  current: Reservation,
  change: ReservationChange,
): Promise<Reservation> {
  assertTransition(current.status, change.status);
  return repo.transition(current, change);
}
