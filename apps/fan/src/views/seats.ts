import { ApiError, answer, bearer } from '../api/client';
import type { Reservation, Schedule, Seat } from '../api/answers';
import { alertUser, announce, h, show, when, won } from '../dom';
import { leaveView, run, whileInView } from '../shell';
import { fan } from '../state';

const SEATS_PER_ROW = 10;

/** It is the fan's turn: the concert's dates that can still be booked. */
export async function dates(): Promise<void> {
  leaveView();
  announce("It's your turn! Pick a date.");
  const { items } = await answer(
    fan.api.GET('/concerts/{concertId}/schedules', {
      params: { path: { concertId: fan.concert.concertId }, query: { available: 'true' } },
      headers: bearer(fan.pass),
    }),
  );
  show(
    `Pick a date for ${fan.concert.title}`,
    items.length === 0 ? h('p', {}, 'Every date is sold out.') : null,
    h(
      'ul',
      { class: 'cards' },
      ...items.map((s) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', onclick: () => run(() => seats(s)) },
            `${when(s.startsAt)}: ${won(s.price)}, ${s.availableSeats} seats left`,
          ),
        ),
      ),
    ),
  );
}

const seatMap = (schedule: Schedule) =>
  answer(
    fan.api.GET('/concerts/{concertId}/schedules/{scheduleId}/seats', {
      params: { path: { concertId: fan.concert.concertId, scheduleId: schedule.scheduleId } },
      headers: bearer(fan.pass),
    }),
  );

/**
 * Where a won hold goes on: the checkout, which main.ts names here (the checkout leads back to
 * the seat map, so the two views would otherwise import each other).
 */
let toCheckout: (held: Reservation) => Promise<void> = () => Promise.resolve();
export function continueHeldTo(view: (held: Reservation) => Promise<void>): void {
  toCheckout = view;
}

/** The seat map: one tab stop, arrow keys move between seats (a roving tabindex), live. */
export async function seats(chosen: Schedule, focusSeat?: number): Promise<void> {
  leaveView();
  fan.schedule = chosen;
  const map = h('div', { class: 'seats', role: 'group', 'aria-label': 'Seats, by number' });
  let current = focusSeat ?? 1;
  const draw = (list: Seat[]) => {
    const hadFocus = map.contains(document.activeElement);
    map.replaceChildren(
      ...list.map((seat) => {
        const free = seat.status === 'AVAILABLE';
        return h(
          'button',
          {
            type: 'button',
            class: free ? 'seat' : 'seat taken',
            'data-seat': seat.seatNo,
            tabindex: seat.seatNo === current ? 0 : -1,
            'aria-disabled': !free ? 'true' : undefined,
            'aria-label': `Seat ${seat.seatNo}, ${free ? `available, ${won(seat.price)}` : 'taken'}`,
            onclick: () => free && run(() => hold(seat.seatNo)),
            onfocus: () => (current = seat.seatNo),
          },
          seat.seatNo,
        );
      }),
    );
    if (hadFocus) (map.querySelector(`[data-seat="${current}"]`) as HTMLElement | null)?.focus();
  };
  map.addEventListener('keydown', (e) => {
    const count = map.children.length;
    const step: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: SEATS_PER_ROW,
      ArrowUp: -SEATS_PER_ROW,
      Home: 1 - current,
      End: count - current,
    };
    if (!(e.key in step)) return;
    e.preventDefault();
    const next = Math.min(count, Math.max(1, current + step[e.key]!));
    const seat = map.querySelector(`[data-seat="${next}"]`) as HTMLElement;
    (map.querySelector(`[data-seat="${current}"]`) as HTMLElement).tabIndex = -1;
    seat.tabIndex = 0;
    current = next;
    seat.focus();
  });
  draw((await seatMap(chosen)).items);
  show(
    `Pick a seat: ${when(chosen.startsAt)}`,
    h(
      'p',
      { id: 'seat-help' },
      'Use the arrow keys to move between seats, Enter to hold one for 5 minutes.',
    ),
    map,
    h(
      'p',
      { class: 'legend' },
      h('span', { class: 'seat' }, '7'),
      ' available ',
      h('span', { class: 'seat taken' }, '8'),
      ' taken',
    ),
  );
  map.setAttribute('aria-describedby', 'seat-help');
  if (focusSeat) (map.querySelector(`[data-seat="${current}"]`) as HTMLElement | null)?.focus();
  // Live: others' holds and purchases show up while the fan looks (reads spend no budget).
  const refresh = window.setInterval(() => {
    seatMap(chosen).then(
      (r) => draw(r.items),
      () => {},
    );
  }, 3000);
  whileInView(() => clearInterval(refresh));
}

async function hold(seatNo: number): Promise<void> {
  const { schedule } = fan;
  let held: Reservation;
  try {
    held = await answer(
      fan.api.POST('/reservations', {
        body: { scheduleId: schedule.scheduleId, seatNo },
        headers: bearer(fan.pass),
      }),
    );
  } catch (err) {
    if (err instanceof ApiError && err.code === 'SEAT_UNAVAILABLE') {
      await seats(schedule, seatNo);
      alertUser(`Seat ${seatNo} was just taken by someone faster. Please pick another seat.`);
      return;
    }
    if (err instanceof ApiError && err.code === 'HOLD_LIMIT_REACHED') {
      const { items } = await answer(
        fan.api.GET('/reservations', {
          params: { query: { status: 'HELD' } },
          headers: bearer(fan.session.accessToken),
        }),
      );
      if (items[0]) return toCheckout(items[0]);
    }
    throw err;
  }
  return toCheckout(held);
}
