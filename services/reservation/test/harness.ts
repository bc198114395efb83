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
    const day = 86_400_000;
    const data = {
      scheduleId: randomIntId(),
      concertId: randomIntId(),
      startsAt: new Date(Date.now() + 10 * day).toISOString(),
      bookingOpensAt: new Date(Date.now() - day).toISOString(),
      bookingClosesAt: new Date(Date.now() + 9 * day).toISOString(),
      price: 77_000,
      totalSeats: 50,
      status: 'OPEN' as const,
      revision: 1,
      ...change,
    };
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
