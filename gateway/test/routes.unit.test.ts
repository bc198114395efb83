import {
  isEventStream,
  serviceFor,
  takesStreamTicket,
  withoutStrayCredentials,
} from '../src/routes';

describe('gateway routes', () => {
  it.each([
    ['/queue/tokens', 'queue'],
    ['/queue/tokens/me/events', 'queue'],
    ['/concerts', 'concert'],
    ['/concerts/7/schedules/3/seats?available=true', 'concert'],
    ['/reservations', 'reservation'],
    ['/reservations/0b6c5a51-0d1c-4bb8-9b5e-2b0f0b0b0b0b', 'reservation'],
    ['/wallets/u/charges', 'wallet'],
    ['/payments/p/saga', 'payment'],
  ])('when the path is %s, then it goes to the %s service', (path, service) => {
    expect(serviceFor(path)).toBe(service);
  });

  it.each(['/', '/queues', '/walletsX/1', '/health', '/docs', '/openapi.json'])(
    'when the path is %s, then no service owns it',
    (path) => expect(serviceFor(path)).toBeUndefined(),
  );

  it('when the path ends with /events, then it is an event stream (no response deadline)', () => {
    expect(isEventStream('/queue/tokens/me/events?x=1')).toBe(true);
    expect(isEventStream('/queue/tokens/me')).toBe(false);
  });

  it.each(['/queue/tokens/me/events?ticket=t', '/Queue/Tokens/ME/events/?ticket=t'])(
    'when the path is the queue’s event stream (%s), then it takes a stream ticket',
    (url) => expect(takesStreamTicket(url)).toBe(true),
  );

  it.each([
    '/queue/tokens/me?ticket=t',
    '/queue/tokens?ticket=t',
    '/reservations?ticket=t',
    '/concerts/7/events?ticket=t',
    '/queue/tokens/me/events/more?ticket=t',
  ])('when the path is %s, then it takes no stream ticket', (url) =>
    expect(takesStreamTicket(url)).toBe(false),
  );

  it.each([
    ['/queue/tokens/me?ticket=t', '/queue/tokens/me'],
    ['/reservations?x=1&ticket=t&y=2', '/reservations?x=1&y=2'],
    ['/reservations?%74icket=t&x=1', '/reservations?x=1'],
    ['/wallets/u?ticket', '/wallets/u'],
    ['/concerts?ticket=a&ticket=b&page=2', '/concerts?page=2'],
    ['/concerts?tickets=1&myticket=2', '/concerts?tickets=1&myticket=2'],
    ['/concerts?x=1', '/concerts?x=1'],
    ['/concerts', '/concerts'],
    ['/queue/tokens/me/events?ticket=t&x=1', '/queue/tokens/me/events?ticket=t&x=1'],
  ])('when %s goes to a service, then it goes as %s', (url, forwarded) =>
    expect(withoutStrayCredentials(url)).toBe(forwarded),
  );
});
