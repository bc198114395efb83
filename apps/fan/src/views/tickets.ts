import { answer, bearer } from '../api/client';
import { h, show, won } from '../dom';
import { leaveView } from '../shell';
import { fan } from '../state';

/** The fan's paid seats, by their identity (a queue pass is spent once paid). */
export async function tickets(): Promise<void> {
  leaveView();
  const [{ items }, catalog] = await Promise.all([
    answer(
      fan.api.GET('/reservations', {
        params: { query: { status: 'CONFIRMED' } },
        headers: bearer(fan.session.accessToken),
      }),
    ),
    answer(fan.api.GET('/concerts')),
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
