import { answer, bearer } from '../api/client';
import type { Concert } from '../api/answers';
import { announce, h, show } from '../dom';
import { backTo, leaveView, run, whileInView } from '../shell';
import { fan } from '../state';
import { PlaceStream, type Place } from '../stream';
import { dates } from './seats';

/** The catalog: a concert to queue for. */
export async function concerts(): Promise<void> {
  leaveView();
  const { items } = await answer(fan.api.GET('/concerts'));
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
  fan.concert = chosen;
  const joined = await answer(
    fan.api.POST('/queue/tokens', {
      body: { concertId: chosen.concertId },
      headers: bearer(fan.session.accessToken),
    }),
  );
  fan.pass = joined.token;
  if (joined.status === 'ACTIVE') return dates();
  waiting();
}

/** The fan's place in line, live, until it is their turn. */
function waiting(): void {
  leaveView();
  const position = h('strong', { id: 'position' }, '…');
  const wait = h('span', { id: 'wait' }, '…');
  const connection = h('p', { id: 'connection', class: 'muted' }, 'Connecting…');
  const soldOut = h('p', { id: 'sold-out', class: 'notice', hidden: true });
  show(
    `In the queue for ${fan.concert.title}`,
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
  const stream = new PlaceStream(fan.api, fan.config.apiUrl, fan.pass, {
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
  whileInView(() => stream.close());
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
  await answer(fan.api.DELETE('/queue/tokens/me', { headers: bearer(fan.pass) }));
  announce('You left the queue.');
  await concerts();
}
