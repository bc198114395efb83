import { answer, bearer } from '../api/client';
import type { Payment, Reservation } from '../api/answers';
import { $, alertUser, announce, h, show, when, won } from '../dom';
import { leaveView, run, whileInView } from '../shell';
import { fan } from '../state';
import { seats } from './seats';
import { tickets } from './tickets';

const id = () => crypto.randomUUID();
const wallet = () => ({
  params: { path: { userId: fan.session.userId } },
  headers: bearer(fan.session.accessToken),
});

async function balance(): Promise<number> {
  return (await answer(fan.api.GET('/wallets/{userId}', wallet()))).balance;
}

/** The hold: a visible countdown, the wallet, and paying. */
export async function holding(held: Reservation): Promise<void> {
  leaveView();
  const until = Date.parse(held.heldUntil);
  const clock = h('span', { id: 'countdown', role: 'timer' });
  const money = h('strong', { id: 'balance' }, won(await balance()));
  const amount = h('input', {
    id: 'amount',
    type: 'number',
    min: 1,
    step: 1,
    value: held.price,
    inputmode: 'numeric',
  }) as HTMLInputElement;
  show(
    `Seat ${held.seatNo} is held for you`,
    h('p', {}, `${when(fan.schedule.startsAt)} · ${won(held.price)} · time left to pay: `, clock),
    h(
      'section',
      { 'aria-labelledby': 'wallet-h' },
      h('h2', { id: 'wallet-h' }, 'Your wallet'),
      h('p', {}, 'Balance: ', money),
      h(
        'form',
        {
          onsubmit: (e: Event) => {
            e.preventDefault();
            run(() => topUp(Number(amount.value), money));
          },
        },
        h('label', { for: 'amount' }, 'Top-up amount (₩)'),
        amount,
        h('button', { type: 'submit' }, 'Top up'),
      ),
    ),
    h(
      'button',
      { type: 'button', class: 'primary', onclick: () => run(() => pay(held, money)) },
      `Pay ${won(held.price)}`,
    ),
    h('button', { type: 'button', onclick: () => run(() => release(held)) }, 'Release the seat'),
  );
  let warned = false;
  const tick = () => {
    const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
    clock.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    if (left <= 60 && !warned) {
      warned = true;
      announce('One minute left to pay for your seat.');
    }
    if (left === 0) {
      run(async () => {
        await seats(fan.schedule);
        alertUser(
          `Your hold on seat ${held.seatNo} expired and the seat went back on sale. Please pick a seat again.`,
        );
      });
    }
  };
  tick();
  const timer = window.setInterval(tick, 1000);
  whileInView(() => clearInterval(timer));
}

async function topUp(amount: number, money: HTMLElement): Promise<void> {
  if (!Number.isInteger(amount) || amount <= 0)
    return alertUser('Enter a whole number of won above zero.');
  const { params, headers } = wallet();
  const charged = await answer(
    fan.api.POST('/wallets/{userId}/charges', {
      params: { ...params, header: { 'Idempotency-Key': id() } },
      body: { amount },
      headers,
    }),
  );
  money.textContent = won(charged.balance);
  alertUser('');
  announce(`Topped up. Your balance is ${won(charged.balance)}.`);
}

async function release(held: Reservation): Promise<void> {
  await answer(
    fan.api.DELETE('/reservations/{reservationId}', {
      params: { path: { reservationId: held.reservationId } },
      headers: bearer(fan.pass),
    }),
  );
  announce(`Seat ${held.seatNo} released.`);
  await seats(fan.schedule);
}

/** Pays, and follows the saga to its end: the answer waits up to 10 s, then the payment is read. */
async function pay(held: Reservation, money: HTMLElement): Promise<void> {
  announce('Paying…');
  let payment: Payment = await answer(
    fan.api.POST('/payments', {
      params: { header: { Prefer: 'wait=10', 'Idempotency-Key': id() } },
      body: { reservationId: held.reservationId },
      headers: bearer(fan.pass),
    }),
  );
  while (payment.status === 'PENDING') {
    await new Promise((r) => setTimeout(r, 1000));
    payment = await answer(
      fan.api.GET('/payments/{paymentId}', {
        params: { path: { paymentId: payment.paymentId } },
        headers: bearer(fan.session.accessToken),
      }),
    );
  }
  if (payment.status === 'COMPLETED') return done(held);
  announce('The payment did not go through.');
  const left = await balance();
  money.textContent = won(left);
  if (payment.failureCode === 'INSUFFICIENT_BALANCE') {
    alertUser(
      `Payment refused: your wallet holds ${won(left)} and the seat costs ${won(held.price)}. Top up and pay again; your seat is still held.`,
    );
    return ($('amount') as HTMLInputElement).focus();
  }
  if (
    payment.failureCode === 'RESERVATION_EXPIRED' ||
    payment.failureCode === 'RESERVATION_NOT_HELD'
  ) {
    await seats(fan.schedule);
    return alertUser(
      'Your hold ended before the payment went through; nothing was charged. Please pick a seat again.',
    );
  }
  alertUser(
    `The payment failed (${payment.failureCode ?? 'unknown'}); nothing was charged. Please try again.`,
  );
}

function done(held: Reservation): void {
  leaveView();
  announce('Payment complete.');
  show(
    'You have a ticket!',
    h(
      'p',
      {},
      `${fan.concert.title}, ${when(fan.schedule.startsAt)}, seat ${held.seatNo}. Paid ${won(held.price)}.`,
    ),
    h('button', { type: 'button', onclick: () => run(tickets) }, 'See my tickets'),
  );
}
