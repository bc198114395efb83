import { concert } from '@ticketing/contracts';
import { buildMessage } from '@ticketing/messaging';
import { publishNow } from '@ticketing/messaging/wiring';
import { randomIntId, testKafka } from '@ticketing/testing';
import { topicNamespace } from './harness';

/** A date of one seat on sale for `concertId`, and what is left of it, as the concert service announces them. */
export async function onSale(concertId: number) {
  const scheduleId = randomIntId();
  const producer = testKafka().publisher();
  await producer.connect();
  const announce = (message: ReturnType<typeof buildMessage>) =>
    topicNamespace().then((ns) => publishNow(producer, [message], ns));
  await announce(
    buildMessage(
      concert.schedulePublished,
      {
        concertId,
        scheduleId,
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        bookingOpensAt: new Date(Date.now() - 60_000).toISOString(),
        bookingClosesAt: new Date(Date.now() + 86_400_000).toISOString(),
        price: 1000,
        totalSeats: 1,
        status: 'OPEN',
        revision: 1,
      },
      { source: 'test' },
    ),
  );
  return {
    seats: (revision: number, available: number, held: number) =>
      announce(
        buildMessage(
          concert.availabilityChanged,
          {
            concertId,
            scheduleId,
            availableSeats: available,
            heldSeats: held,
            seatsRevision: revision,
          },
          { source: 'test' },
        ),
      ),
    stop: () => producer.disconnect(),
  };
}
