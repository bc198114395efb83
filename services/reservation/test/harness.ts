import { concert, reservation as contracts, type DataOf } from '@ticketing/contracts';
import {
  buildMessage,
  createProducer,
  publishNow,
  type TopicNamespace,
} from '@ticketing/messaging';
import { createDb, type Knex } from '@ticketing/platform';
import {
  captureLogs,
  createTestDatabase,
  createTopicNamespace,
  eventually,
  grantActiveToken,
  randomIntId,
  randomSuffix,
  testInfra,
  testKafka,
  uuid,
  infraEnv,
} from '@ticketing/testing';
import type { Producer } from 'kafkajs';
import { loadServiceConfig } from '../src/config';
import { start, type ReservationServiceHandle } from '../src/start';

export const KEY_PREFIX = `test-${randomSuffix()}:`;
let namespace: Promise<TopicNamespace> | undefined;
export const topicNamespace = () => (namespace ??= createTopicNamespace());

/**
 * One deployment of the reservation service for a test file: a database, and any number of
 * instances on it (same consumer group, same topics), like production with INSTANCES=n.
 */
export class ReservationDeployment {
  readonly instances: ReservationServiceHandle[] = [];
  private producer?: Producer;

  private constructor(
    readonly databaseUrl: string,
    readonly db: Knex,
    private readonly drop: () => Promise<void>,
    private readonly group: string,
  ) {}

  static async create(): Promise<ReservationDeployment> {
    const database = await createTestDatabase('reservation');
    return new ReservationDeployment(
      database.url,
      createDb({ url: database.url, applicationName: 'test' }),
      database.drop,
      `reservation-test-${randomSuffix()}`,
    );
  }

  async startInstance(overrides: Record<string, string> = {}): Promise<ReservationServiceHandle> {
    const instance = await start(
      loadServiceConfig({
        PORT: '0',
        DATABASE_URL: this.databaseUrl,
        ...infraEnv(),
        REDIS_KEY_PREFIX: KEY_PREFIX,
        KAFKA_CONSUMER_GROUP: this.group,
        KAFKA_TOPIC_PREFIX: (await topicNamespace()).prefix,
        INSTANCE_ID: uuid().slice(0, 8),
        ...overrides,
      }),
      { logger: captureLogs('reservation').logger },
    );
    this.instances.push(instance);
    return instance;
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
    await this.publish([buildMessage(concert.schedulePublished, data, { source: 'test' })]);
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

  async publish(messages: ReturnType<typeof buildMessage>[]): Promise<void> {
    if (!this.producer) {
      this.producer = createProducer(testKafka());
      await this.producer.connect();
    }
    await publishNow(this.producer, messages, await topicNamespace());
  }

  confirm(data: DataOf<typeof contracts.confirmReservation>) {
    return buildMessage(contracts.confirmReservation, data, {
      source: 'test',
      correlationId: data.paymentId,
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.splice(0).map((i) => i.stop()));
    await this.producer?.disconnect();
    await this.db.destroy();
    await this.drop();
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
