import { concert, reservation as contracts, type DataOf } from '@ticketing/contracts';
import { buildMessage } from '@ticketing/messaging';
import {
  Deployment,
  serviceUnderTest,
  FILE_KEY_PREFIX,
  eventually,
  fileTopics,
  grantActiveToken,
  randomIntId,
  testInfra,
  uuid,
} from '@ticketing/testing';
import { loadServiceConfig } from '../src/config';
import { start, type ReservationServiceHandle } from '../src/start';

export const KEY_PREFIX = FILE_KEY_PREFIX;
export const topicNamespace = fileTopics;

const reservation = serviceUnderTest('reservation', loadServiceConfig, start);

const DAY = 86_400_000;

/**
 * A date as concert.events publishes it, open for booking (its ids this test's own, 50 seats at
 * 77,000), with `change` applied.
 */
export function bookableSchedule(change: Partial<DataOf<typeof concert.schedulePublished>> = {}) {
  return {
    scheduleId: randomIntId(),
    concertId: randomIntId(),
    startsAt: new Date(Date.now() + 10 * DAY).toISOString(),
    bookingOpensAt: new Date(Date.now() - DAY).toISOString(),
    bookingClosesAt: new Date(Date.now() + 9 * DAY).toISOString(),
    price: 77_000,
    totalSeats: 50,
    status: 'OPEN' as const,
    revision: 1,
    ...change,
  };
}

/**
 * One deployment of the reservation service for a test file: a database, and any number of
 * instances on it (same consumer group, same topics), like production with INSTANCES=n.
 */
export class ReservationDeployment extends Deployment<ReservationServiceHandle> {
  static async create(): Promise<ReservationDeployment> {
    return new ReservationDeployment(reservation, await Deployment.databaseFor(reservation));
  }

  /** Publishes a bookable schedule on concert.events and waits until the replica has it. */
  async publishSchedule(
    change: Partial<DataOf<typeof concert.schedulePublished>> = {},
  ): Promise<{ scheduleId: number; concertId: number; price: number }> {
    const data = bookableSchedule(change);
    await this.send(buildMessage(concert.schedulePublished, data, { source: 'test' }));
    await eventually(
      async () =>
        expect(
          await this.db('schedules')
            .where({ id: data.scheduleId, revision: data.revision })
            .first(),
        ).toBeDefined(),
      { timeoutMs: 30_000 },
    );
    return data;
  }

  confirm(data: DataOf<typeof contracts.confirmReservation>) {
    return buildMessage(contracts.confirmReservation, data, {
      source: 'test',
      correlationId: data.paymentId,
    });
  }
}

export const tokenFor = (concertId: number, userId?: string, status?: 'ACTIVE' | 'WAITING') =>
  grantActiveToken({
    redisUrl: testInfra().redisUrl,
    keyPrefix: KEY_PREFIX,
    concertId,
    userId,
    status,
  });

export async function call(method: string, url: string, token?: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

export { uuid };
