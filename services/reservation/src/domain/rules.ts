/** Pure rules of seat holds. */
import type { ReplicaSchedule, ReservationStatus } from './reservation';

/** A hold is over at `heldUntil` exactly: from then on it blocks nobody. */
export const isHoldOver = (heldUntil: Date, now: Date): boolean =>
  now.getTime() >= heldUntil.getTime();

const ALLOWED: Record<ReservationStatus, ReservationStatus[]> = {
  HELD: ['CONFIRMED', 'RELEASED'],
  // Only the payment saga's compensation moves a confirmed seat: back to HELD, or RELEASED
  // when its hold time is over.
  CONFIRMED: ['HELD', 'RELEASED'],
  RELEASED: [],
};

export const canTransition = (from: ReservationStatus, to: ReservationStatus): boolean =>
  ALLOWED[from].includes(to);

export class IllegalTransitionError extends Error {
  constructor(from: ReservationStatus, to: ReservationStatus) {
    super(`a reservation cannot go from ${from} to ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** Throws unless a reservation may go from `from` to `to`. */
export function assertTransition(from: ReservationStatus, to: ReservationStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

/** Where a reverted confirmation goes: the hold again if its time is not over. */
export const statusAfterRevert = (heldUntil: Date, now: Date): 'HELD' | 'RELEASED' =>
  isHoldOver(heldUntil, now) ? 'RELEASED' : 'HELD';

/** Why holds on this schedule are refused now, or null when they are allowed. */
export function holdRefusal(
  s: ReplicaSchedule,
  now: Date,
): 'CLOSED' | 'NOT_YET_OPEN' | 'PAST' | null {
  if (s.status !== 'OPEN') return 'CLOSED';
  if (now.getTime() >= s.startsAt.getTime()) return 'PAST';
  if (now.getTime() >= s.bookingClosesAt.getTime()) return 'CLOSED';
  if (now.getTime() < s.bookingOpensAt.getTime()) return 'NOT_YET_OPEN';
  return null;
}

/**
 * When holds on this schedule are allowed, as it stands: from its booking's opening until its
 * booking closes or it starts, whichever comes first (`holdRefusal` is null exactly inside);
 * none while it is not OPEN. A decision taken on a remembered schedule holds only inside it.
 */
export function holdWindow(s: ReplicaSchedule): { from: Date; until: Date } | null {
  if (s.status !== 'OPEN') return null;
  const until = Math.min(s.bookingClosesAt.getTime(), s.startsAt.getTime());
  return { from: s.bookingOpensAt, until: new Date(until) };
}
