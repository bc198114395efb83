import { createDb } from '@ticketing/platform/wiring';
import type { RunningSystem } from './system-setup';

/**
 * After sagas end, for every payment: money taken ⇔ seat CONFIRMED for that user by that
 * payment ⇔ payment COMPLETED. Otherwise no money kept and the seat HELD or RELEASED. Every
 * balance equals its ledger and is ≥ 0, and no seat is live twice.
 */
export async function expectSagaInvariants(
  system: Pick<RunningSystem, 'databaseUrl'>,
): Promise<{ completed: number; failed: number }> {
  const payments = createDb({ url: system.databaseUrl('payment'), applicationName: 'invariants' });
  const reservations = createDb({
    url: system.databaseUrl('reservation'),
    applicationName: 'invariants',
  });
  const wallets = createDb({ url: system.databaseUrl('wallet'), applicationName: 'invariants' });
  try {
    const all = (await payments('payments').select(
      'id',
      'reservation_id',
      'user_id',
      'status',
      'amount',
    )) as {
      id: string;
      reservation_id: string;
      user_id: string;
      status: string;
      amount: number | null;
    }[];
    let completed = 0;
    let failed = 0;
    for (const p of all) {
      expect(p.status).not.toBe('PENDING'); // every saga ended
      const debit = (await wallets('debits').where({ payment_id: p.id }).first()) as
        { status: string; amount: number } | undefined;
      const moneyKept = debit?.status === 'APPLIED';
      const seat = (await reservations('reservations').where({ id: p.reservation_id }).first()) as {
        status: string;
        payment_id: string | null;
        user_id: string;
      };
      const seatConfirmedByThis =
        seat.status === 'CONFIRMED' && seat.payment_id === p.id && seat.user_id === p.user_id;
      if (p.status === 'COMPLETED') {
        completed += 1;
        expect({ payment: p.id, moneyKept, seatConfirmedByThis }).toEqual({
          payment: p.id,
          moneyKept: true,
          seatConfirmedByThis: true,
        });
        expect(debit!.amount).toBe(p.amount);
      } else {
        failed += 1;
        expect({ payment: p.id, moneyKept, seatConfirmedByThis }).toEqual({
          payment: p.id,
          moneyKept: false,
          seatConfirmedByThis: false,
        });
      }
    }
    const live = await reservations.raw(
      `select schedule_id, seat_no, count(*) from reservations where status in ('HELD','CONFIRMED') group by 1, 2 having count(*) > 1`,
    );
    expect(live.rows).toEqual([]);
    const broken = await wallets.raw(
      `select w.user_id from wallets w where w.balance < 0 or w.balance <> (select coalesce(sum(case when type = 'DEBIT' then -amount else amount end), 0) from ledger l where l.user_id = w.user_id)`,
    );
    expect(broken.rows).toEqual([]);
    return { completed, failed };
  } finally {
    await Promise.all([payments.destroy(), reservations.destroy(), wallets.destroy()]);
  }
}
