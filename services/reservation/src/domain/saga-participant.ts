import { reservation as contracts, type DataOf } from '@ticketing/contracts';
import { enqueue, type TxContext } from '@ticketing/messaging';
import { ReservationRepository } from '../data-access/reservation-repository';
import { confirmedEvent, releasedEvent } from './events';
import { isHoldOver, statusAfterRevert } from './rules';
import { moveReservation } from './transitions';

/**
 * reservation.confirm: a HELD seat of that user, within its time, becomes CONFIRMED for the
 * payment; anything else is rejected with the reason. Asked again by the same payment (a saga
 * retry), it answers the same again without changing anything.
 */
export async function confirmReservation(
  cmd: DataOf<typeof contracts.confirmReservation>,
  ctx: TxContext,
): Promise<void> {
  const repo = new ReservationRepository(ctx.tx);
  const reject = (reason: 'EXPIRED' | 'NOT_HELD' | 'FORBIDDEN' | 'NOT_FOUND') =>
    ctx.send(contracts.confirmRejected, {
      reservationId: cmd.reservationId,
      paymentId: cmd.paymentId,
      reason,
    });

  const locked = await repo.lockWithClock(cmd.reservationId);
  if (!locked) return reject('NOT_FOUND');
  const { reservation: r, scheduleStatus, now } = locked;
  if (r.userId !== cmd.userId) return reject('FORBIDDEN');
  // A queue pass admits its holder to one concert: it cannot pay for a seat of another.
  if (cmd.concertId !== undefined && cmd.concertId !== r.concertId) return reject('FORBIDDEN');
  if (r.status === 'CONFIRMED' && r.paymentId === cmd.paymentId) {
    return enqueue(ctx.tx, confirmedEvent(r, cmd.paymentId)); // the same answer again
  }
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
    await enqueue(ctx.tx, releasedEvent(released));
    return reject('EXPIRED');
  }
  const confirmed = await moveReservation(repo, r, {
    status: 'CONFIRMED',
    paymentId: cmd.paymentId,
  });
  await enqueue(ctx.tx, confirmedEvent(confirmed, cmd.paymentId));
}

/**
 * reservation.revert-confirmation (compensation): a seat CONFIRMED by that payment goes back to
 * HELD, or RELEASED when its hold time is over. Anything else is acknowledged unchanged.
 */
export async function revertConfirmation(
  cmd: DataOf<typeof contracts.revertConfirmation>,
  ctx: TxContext,
): Promise<void> {
  const repo = new ReservationRepository(ctx.tx);
  const locked = await repo.lockWithClock(cmd.reservationId);
  if (!locked) {
    // Never confirmed here, so there is nothing to give back: say so, and the saga can end.
    return ctx.send(contracts.confirmationReverted, {
      reservationId: cmd.reservationId,
      paymentId: cmd.paymentId,
      status: 'NOT_FOUND',
      reverted: false,
    });
  }
  const { reservation: r, now } = locked;
  let current = r;
  const reverted = r.status === 'CONFIRMED' && r.paymentId === cmd.paymentId;
  if (reverted) {
    const to = statusAfterRevert(r.heldUntil, now);
    current = await moveReservation(repo, r, {
      status: to,
      releaseReason: to === 'RELEASED' ? 'EXPIRED' : null,
    });
  }
  await ctx.send(contracts.confirmationReverted, {
    reservationId: current.reservationId,
    userId: current.userId,
    paymentId: cmd.paymentId,
    scheduleId: current.scheduleId,
    seatNo: current.seatNo,
    seatVersion: current.seatVersion,
    status: current.status === 'HELD' ? 'HELD' : 'RELEASED',
    reverted,
  });
}
