import type { reservation as contracts, DataOf } from '@ticketing/contracts';
import type { OutgoingMessage, StatementContext } from '@ticketing/messaging';
import type { Transaction } from '@ticketing/platform';
import {
  confirmRejectedReply,
  confirmedEvent,
  nothingToRevertReply,
  releasedEvent,
  revertedReply,
} from './events';
import type { ReservationsIn } from './repositories';
import { assertTransition, isHoldOver, statusAfterRevert } from './rules';
import { moveReservation } from './transitions';

/**
 * reservation.confirm: a HELD seat of that user, within its time, becomes CONFIRMED for the
 * payment; anything else is rejected with the reason. Asked again by the same payment (a saga
 * retry), it answers the same again without changing anything. Returns what it announces and
 * answers; the entry point writes them to the outbox in the same transaction.
 */
export async function confirmReservation(
  cmd: DataOf<typeof contracts.confirmReservation>,
  tx: Transaction,
  reservationsIn: ReservationsIn,
): Promise<OutgoingMessage[]> {
  const repo = reservationsIn(tx);
  const reject = (reason: Parameters<typeof confirmRejectedReply>[1]) => [
    confirmRejectedReply(cmd, reason),
  ];

  const locked = await repo.lockWithClock(cmd.reservationId);
  if (!locked) return reject('NOT_FOUND');
  const { reservation: r, scheduleStatus, now } = locked;
  if (r.userId !== cmd.userId) return reject('FORBIDDEN');
  // A queue pass admits its holder to one concert: it cannot pay for a seat of another.
  if (cmd.concertId !== undefined && cmd.concertId !== r.concertId) return reject('FORBIDDEN');
  if (r.status === 'CONFIRMED' && r.paymentId === cmd.paymentId)
    return [confirmedEvent(r, cmd.paymentId)]; // the same answer again
  // A date cancelled by an operator sells nothing more (its holds are being released).
  if (scheduleStatus === 'CANCELLED') return reject('NOT_HELD');
  if (r.status !== 'HELD')
    return reject(
      r.status === 'RELEASED' && r.releaseReason === 'EXPIRED' ? 'EXPIRED' : 'NOT_HELD',
    );
  if (isHoldOver(r.heldUntil, now)) {
    const released = await moveReservation(repo, r, {
      status: 'RELEASED',
      releaseReason: 'EXPIRED',
    });
    return [releasedEvent(released), ...reject('EXPIRED')];
  }
  const confirmed = await moveReservation(repo, r, {
    status: 'CONFIRMED',
    paymentId: cmd.paymentId,
  });
  return [confirmedEvent(confirmed, cmd.paymentId)];
}

/**
 * reservation.confirm in one statement when it confirms (no transaction, no lock held): the
 * reservation read as stored, then moved only if it is still so. Undefined when the command
 * would be answered otherwise (a rejection, the same answer again) or the reservation moved
 * meanwhile, with nothing written: it then takes `confirmReservation`'s transaction.
 */
export async function confirmReservationAlone(
  cmd: DataOf<typeof contracts.confirmReservation>,
  { inbox, db }: StatementContext,
  reservationsIn: ReservationsIn,
): Promise<'applied' | undefined> {
  const repo = reservationsIn(db);
  const found = await repo.current(cmd.reservationId);
  if (!found) return undefined;
  const { reservation: r, scheduleStatus, now, revision } = found;
  const confirms =
    r.userId === cmd.userId &&
    (cmd.concertId === undefined || cmd.concertId === r.concertId) &&
    r.status === 'HELD' &&
    scheduleStatus !== 'CANCELLED' &&
    !isHoldOver(r.heldUntil, now);
  if (!confirms) return undefined;
  assertTransition(r.status, 'CONFIRMED');
  // Its seat version is the one the move takes: the store writes it in.
  const announce = confirmedEvent({ ...r, status: 'CONFIRMED' }, cmd.paymentId);
  const confirmed = await repo.confirmIfUnchanged(
    { reservationId: r.reservationId, revision },
    cmd.paymentId,
    announce,
    inbox,
  );
  return confirmed && 'applied';
}

/**
 * reservation.revert-confirmation (compensation): a seat CONFIRMED by that payment goes back to
 * HELD, or RELEASED when its hold time is over. Anything else is acknowledged unchanged.
 */
export async function revertConfirmation(
  cmd: DataOf<typeof contracts.revertConfirmation>,
  tx: Transaction,
  reservationsIn: ReservationsIn,
): Promise<OutgoingMessage[]> {
  const repo = reservationsIn(tx);
  const locked = await repo.lockWithClock(cmd.reservationId);
  // Never confirmed here, so there is nothing to give back: say so, and the saga can end.
  if (!locked) return [nothingToRevertReply(cmd)];
  const { reservation: r, now } = locked;
  const reverted = r.status === 'CONFIRMED' && r.paymentId === cmd.paymentId;
  if (!reverted) return [revertedReply(r, cmd.paymentId, false)];
  const to = statusAfterRevert(r.heldUntil, now);
  const moved = await moveReservation(repo, r, {
    status: to,
    releaseReason: to === 'RELEASED' ? 'EXPIRED' : null,
  });
  return [revertedReply(moved, cmd.paymentId, true)];
}
