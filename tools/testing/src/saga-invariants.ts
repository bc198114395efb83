import { createDb } from '@ticketing/platform/wiring';

type Store = 'payment' | 'reservation' | 'wallet';

/** What the stores say after sagas end, and every way they disagree with the saga's rules. */
export interface SagaInvariants {
  completed: number;
  failed: number;
  /** Payments whose saga has not ended. */
  pending: string[];
  /** Payments where money kept, seat confirmed for that user by that payment, and COMPLETED disagree. */
  mismatched: {
    payment: string;
    status: string;
    moneyKept: boolean;
    seatConfirmedByThis: boolean;
  }[];
  /** Seats held or confirmed twice. */
  seatsTwice: { schedule_id: number; seat_no: number }[];
  /** Wallets whose balance is negative or differs from their ledger's sum. */
  brokenWallets: string[];
  /** Seats CONFIRMED, and debits APPLIED: each equals `completed` when the rules hold. */
  seatsConfirmed: number;
  debitsApplied: number;
}

interface PaymentRow {
  id: string;
  reservation_id: string;
  user_id: string;
  status: string;
  amount: number | null;
}

/**
 * After sagas end, for every payment: money taken ⇔ seat CONFIRMED for that user by that payment
 * ⇔ payment COMPLETED (and the debit is the payment's amount); otherwise no money kept and the
 * seat not confirmed by it. Every balance equals its ledger and is ≥ 0, and no seat is live
 * twice. Read in bulk (a sale's thousands of payments in a few statements).
 */
export async function readSagaInvariants(
  databaseUrl: (store: Store) => string,
): Promise<SagaInvariants> {
  const open = (store: Store) =>
    createDb({ url: databaseUrl(store), applicationName: 'invariants' });
  const [payments, reservations, wallets] = [open('payment'), open('reservation'), open('wallet')];
  try {
    const all = (await payments('payments').select(
      'id',
      'reservation_id',
      'user_id',
      'status',
      'amount',
    )) as PaymentRow[];
    const debits = new Map(
      (
        (await wallets('debits').select('payment_id', 'status', 'amount')) as {
          payment_id: string;
          status: string;
          amount: number;
        }[]
      ).map((d) => [d.payment_id, d]),
    );
    const seats = new Map(
      (
        (await reservations('reservations').select('id', 'status', 'payment_id', 'user_id')) as {
          id: string;
          status: string;
          payment_id: string | null;
          user_id: string;
        }[]
      ).map((r) => [r.id, r]),
    );
    const result: SagaInvariants = {
      completed: 0,
      failed: 0,
      pending: [],
      mismatched: [],
      seatsTwice: [],
      brokenWallets: [],
      seatsConfirmed: [...seats.values()].filter((s) => s.status === 'CONFIRMED').length,
      debitsApplied: [...debits.values()].filter((d) => d.status === 'APPLIED').length,
    };
    for (const p of all) {
      if (p.status === 'PENDING') {
        result.pending.push(p.id);
        continue;
      }
      const debit = debits.get(p.id);
      const moneyKept = debit?.status === 'APPLIED';
      const seat = seats.get(p.reservation_id);
      const seatConfirmedByThis =
        seat?.status === 'CONFIRMED' && seat.payment_id === p.id && seat.user_id === p.user_id;
      const completed = p.status === 'COMPLETED';
      if (completed) result.completed++;
      else result.failed++;
      const amountRight = !completed || debit?.amount === p.amount;
      if (moneyKept !== completed || seatConfirmedByThis !== completed || !amountRight)
        result.mismatched.push({ payment: p.id, status: p.status, moneyKept, seatConfirmedByThis });
    }
    result.seatsTwice = (
      (await reservations.raw(
        `select schedule_id, seat_no from reservations where status in ('HELD','CONFIRMED')
         group by 1, 2 having count(*) > 1`,
      )) as { rows: { schedule_id: number; seat_no: number }[] }
    ).rows;
    result.brokenWallets = (
      (await wallets.raw(
        `select w.user_id from wallets w where w.balance < 0 or w.balance <> (select
           coalesce(sum(case when type = 'DEBIT' then -amount else amount end), 0)
           from ledger l where l.user_id = w.user_id)`,
      )) as { rows: { user_id: string }[] }
    ).rows.map((r) => r.user_id);
    return result;
  } finally {
    await Promise.all([payments.destroy(), reservations.destroy(), wallets.destroy()]);
  }
}
