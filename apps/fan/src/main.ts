import './style.css';
import { ApiError, call, type AppConfig } from './api';
import { completeLogIn, currentSession, logIn, logOut, type Session } from './auth';
import { $, alertUser, announce, h, show, when, won } from './dom';
import { PlaceStream, type Place } from './stream';

interface Concert {
  concertId: number;
  title: string;
  artist: string;
  venue: string;
}
interface Schedule {
  scheduleId: number;
  startsAt: string;
  price: number;
  availableSeats: number;
}
interface Seat {
  seatNo: number;
  status: 'AVAILABLE' | 'HELD' | 'RESERVED';
  price: number;
}
interface Reservation {
  reservationId: string;
  concertId: number;
  scheduleId: number;
  seatNo: number;
  price: number;
  heldUntil?: string;
}
interface Payment {
  paymentId: string;
  status: 'PENDING' | 'COMPLETED' | 'FAILED';
  failureCode?: string;
}

const SEATS_PER_ROW = 10;
let config: AppConfig;
let session: Session;
let concert: Concert;
let pass: string;
let schedule: Schedule;
/** Whatever the current view keeps running (a stream, a countdown, a refresh): stopped on leaving. */
let stopView: () => void = () => {};

const id = () => crypto.randomUUID();
const api = <T>(method: string, path: string, token?: string, body?: unknown, headers = {}) =>
  call<T>(config, method, path, token, body, headers).then((r) => r.body);

/** Leaves the current view: its stream, timers and messages go with it. */
function leaveView(): void {
  stopView();
  stopView = () => {};
  alertUser('');
}

function navigation(): void {
  const button = (label: string, action: () => void) =>
    h('button', { type: 'button', onclick: () => run(action) }, label);
  $('nav').replaceChildren(
    ...(session
      ? [
          button('Concerts', concerts),
          button('My tickets', tickets),
          button('Log out', () => {
            logOut();
            location.reload();
          }),
          h('span', { class: 'who' }, `Signed in as ${session.userId}`),
        ]
      : []),
  );
}

/** Runs a step; a failure the fan can act on is said, the rest is a plain apology. */
function run(step: () => unknown): void {
  Promise.resolve()
    .then(step)
    .catch((err: unknown): unknown => {
      if (err instanceof ApiError && err.status === 401 && err.code === 'TOKEN_INVALID')
        return backTo(concerts, 'Your sign-in or queue place has expired. Please start again.');
      return alertUser(
        err instanceof ApiError
          ? `Something went wrong: ${err.message}`
          : 'The ticket service cannot be reached. Check your connection and try again.',
      );
    });
}

/** Another view, then a message about why the fan is there (leaving a view clears messages). */
function backTo(view: () => Promise<void>, message: string): Promise<void> {
  return view().then(
    () => alertUser(message),
    () => alertUser(message),
  );
}

function welcome(): void {
  leaveView();
  show(
    'Welcome',
    h('p', {}, 'Sign in to queue for tickets, pick your seat and pay from your wallet.'),
    h('button', { type: 'button', onclick: () => run(() => logIn(config)) }, 'Log in'),
  );
}

async function concerts(): Promise<void> {
  leaveView();
  const { items } = await api<{ items: Concert[] }>('GET', '/concerts');
  show(
    'Concerts',
    h(
      'ul',
      { class: 'cards' },
      ...items.map((c) =>
        h(
          'li',
          {},
          h('h2', {}, c.title),
          h('p', {}, `${c.artist} · ${c.venue}`),
          h(
            'button',
            { type: 'button', onclick: () => run(() => join(c)) },
            `Join the queue for ${c.title}`,
          ),
        ),
      ),
    ),
  );
}

async function join(chosen: Concert): Promise<void> {
  concert = chosen;
  const joined = await api<{ token: string; status: string }>(
    'POST',
    '/queue/tokens',
    session.accessToken,
    { concertId: concert.concertId },
  );
  pass = joined.token;
  if (joined.status === 'ACTIVE') return dates();
  waiting();
}

function waiting(): void {
  leaveView();
  const position = h('strong', { id: 'position' }, '…');
  const wait = h('span', { id: 'wait' }, '…');
  const connection = h('p', { id: 'connection', class: 'muted' }, 'Connecting…');
  const soldOut = h('p', { id: 'sold-out', class: 'notice', hidden: true });
  show(
    `In the queue for ${concert.title}`,
    h('p', {}, 'Keep this page open: your place moves on by itself.'),
    h(
      'dl',
      {},
      h('dt', {}, 'Your position'),
      h('dd', {}, position),
      h('dt', {}, 'Estimated wait'),
      h('dd', {}, wait),
    ),
    soldOut,
    connection,
    h('button', { type: 'button', onclick: () => run(leaveQueue) }, 'Leave the queue'),
  );
  const stream = new PlaceStream(config, pass, {
    onPlace: (event, place) => {
      if (event === 'active') return run(dates);
      if (event === 'expired')
        return run(() =>
          backTo(concerts, 'Your place in the queue has expired. You can join again.'),
        );
      showPlace(place, position, wait, soldOut);
    },
    onConnection: (state) => {
      connection.textContent =
        state === 'live'
          ? 'Live: updates arrive as they happen.'
          : 'Connection lost. Reconnecting…';
      if (state === 'reconnecting') announce('Connection lost. Reconnecting; you keep your place.');
    },
    onGone: () =>
      run(() => backTo(concerts, 'Your place in the queue has ended. You can join again.')),
  });
  stopView = () => stream.close();
  void stream.open();
}

function showPlace(
  place: Place,
  position: HTMLElement,
  wait: HTMLElement,
  soldOut: HTMLElement,
): void {
  const seconds = place.estimatedWaitSeconds;
  position.textContent = String(place.position ?? '…');
  wait.textContent =
    seconds === null || seconds === undefined
      ? 'unknown'
      : seconds < 60
        ? `${seconds} s`
        : `${Math.ceil(seconds / 60)} min`;
  soldOut.hidden = place.status !== 'SOLD_OUT';
  soldOut.textContent =
    'Sold out for now. You keep your place: if seats come back, the queue moves on.';
  announce(
    place.status === 'SOLD_OUT'
      ? `Sold out for now. You keep position ${place.position}.`
      : `Position ${place.position}, estimated wait ${wait.textContent}.`,
  );
}

async function leaveQueue(): Promise<void> {
  await call(config, 'DELETE', '/queue/tokens/me', pass);
  announce('You left the queue.');
  await concerts();
}

async function dates(): Promise<void> {
  leaveView();
  announce("It's your turn! Pick a date.");
  const { items } = await api<{ items: Schedule[] }>(
    'GET',
    `/concerts/${concert.concertId}/schedules?available=true`,
    pass,
  );
  show(
    `Pick a date for ${concert.title}`,
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

/** The seat map: one tab stop, arrow keys move between seats (a roving tabindex), live. */
async function seats(chosen: Schedule, focusSeat?: number): Promise<void> {
  leaveView();
  schedule = chosen;
  const path = `/concerts/${concert.concertId}/schedules/${schedule.scheduleId}/seats`;
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
  draw((await api<{ items: Seat[] }>('GET', path, pass)).items);
  show(
    `Pick a seat: ${when(schedule.startsAt)}`,
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
    api<{ items: Seat[] }>('GET', path, pass).then(
      (r) => draw(r.items),
      () => {},
    );
  }, 3000);
  stopView = () => clearInterval(refresh);
}

async function hold(seatNo: number): Promise<void> {
  let held: Reservation;
  try {
    held = await api<Reservation>('POST', '/reservations', pass, {
      scheduleId: schedule.scheduleId,
      seatNo,
    });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'SEAT_UNAVAILABLE') {
      await seats(schedule, seatNo);
      alertUser(`Seat ${seatNo} was just taken by someone faster. Please pick another seat.`);
      return;
    }
    if (err instanceof ApiError && err.code === 'HOLD_LIMIT_REACHED') {
      const { items } = await api<{ items: Reservation[] }>(
        'GET',
        '/reservations?status=HELD',
        session.accessToken,
      );
      if (items[0]) return holding(items[0]);
    }
    throw err;
  }
  holding(held);
}

async function balance(): Promise<number> {
  return (
    await api<{ balance: number }>(
      'GET',
      `/wallets/${encodeURIComponent(session.userId)}`,
      session.accessToken,
    )
  ).balance;
}

/** The hold: a visible countdown, the wallet, and paying. */
async function holding(held: Reservation): Promise<void> {
  leaveView();
  const until = Date.parse(held.heldUntil!);
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
    h('p', {}, `${when(schedule.startsAt)} · ${won(held.price)} · time left to pay: `, clock),
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
        await seats(schedule);
        alertUser(
          `Your hold on seat ${held.seatNo} expired and the seat went back on sale. Please pick a seat again.`,
        );
      });
    }
  };
  tick();
  const timer = window.setInterval(tick, 1000);
  stopView = () => clearInterval(timer);
}

async function topUp(amount: number, money: HTMLElement): Promise<void> {
  if (!Number.isInteger(amount) || amount <= 0)
    return alertUser('Enter a whole number of won above zero.');
  const charged = await api<{ balance: number }>(
    'POST',
    `/wallets/${encodeURIComponent(session.userId)}/charges`,
    session.accessToken,
    { amount },
    { 'idempotency-key': id() },
  );
  money.textContent = won(charged.balance);
  alertUser('');
  announce(`Topped up. Your balance is ${won(charged.balance)}.`);
}

async function release(held: Reservation): Promise<void> {
  await call(config, 'DELETE', `/reservations/${held.reservationId}`, pass);
  announce(`Seat ${held.seatNo} released.`);
  await seats(schedule);
}

/** Pays, and follows the saga to its end: the answer waits up to 10 s, then the payment is read. */
async function pay(held: Reservation, money: HTMLElement): Promise<void> {
  announce('Paying…');
  let payment = await api<Payment>(
    'POST',
    '/payments',
    pass,
    { reservationId: held.reservationId },
    {
      prefer: 'wait=10',
      'idempotency-key': id(),
    },
  );
  while (payment.status === 'PENDING') {
    await new Promise((r) => setTimeout(r, 1000));
    payment = await api<Payment>('GET', `/payments/${payment.paymentId}`, session.accessToken);
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
    await seats(schedule);
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
      `${concert.title}, ${when(schedule.startsAt)}, seat ${held.seatNo}. Paid ${won(held.price)}.`,
    ),
    h('button', { type: 'button', onclick: () => run(tickets) }, 'See my tickets'),
  );
}

async function tickets(): Promise<void> {
  leaveView();
  const [{ items }, catalog] = await Promise.all([
    api<{ items: Reservation[] }>('GET', '/reservations?status=CONFIRMED', session.accessToken),
    api<{ items: Concert[] }>('GET', '/concerts'),
  ]);
  const title = (cid: number) =>
    catalog.items.find((c) => c.concertId === cid)?.title ?? `Concert ${cid}`;
  show(
    'My tickets',
    items.length === 0
      ? h('p', {}, 'No tickets yet.')
      : h(
          'ul',
          { class: 'cards' },
          ...items.map((r) =>
            h(
              'li',
              {},
              h('h2', {}, title(r.concertId)),
              h('p', {}, `Seat ${r.seatNo} · ${won(r.price)}`),
            ),
          ),
        ),
  );
}

async function start(): Promise<void> {
  config = (await (await fetch('./config.json')).json()) as AppConfig;
  const back = await completeLogIn(config).catch((err: unknown) => {
    alertUser(`Sign-in failed: ${(err as Error).message}`);
    return undefined;
  });
  const known = back ?? currentSession();
  if (!known) return welcome();
  session = known;
  navigation();
  await concerts();
}

run(start);
