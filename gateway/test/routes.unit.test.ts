import { isEventStream, serviceFor } from '../src/routes';

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
});
