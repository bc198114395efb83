import { createDb, migrate, type Logger, type ServiceHandle } from '@ticketing/platform';
import {
  captureLogs,
  createTestDatabase,
  createTopicNamespace,
  eventually,
  randomIntId,
  randomSuffix,
  testInfra,
  uuid,
} from '@ticketing/testing';
import * as concertConfig from '../services/concert/src/config';
import { migrations as concertMigrations } from '../services/concert/migrations';
import * as concert from '../services/concert/src/start';
import * as paymentConfig from '../services/payment/src/config';
import * as payment from '../services/payment/src/start';
import * as queueConfig from '../services/queue/src/config';
import * as queue from '../services/queue/src/start';
import * as reservationConfig from '../services/reservation/src/config';
import * as reservation from '../services/reservation/src/start';
import * as walletConfig from '../services/wallet/src/config';
import * as wallet from '../services/wallet/src/start';

export type ServiceName = 'queue' | 'concert' | 'reservation' | 'wallet' | 'payment';
const SECRET = 'system-test-secret-0123456789abcdef-xyz';

type Starter = (env: Record<string, string>, logger: Logger) => Promise<ServiceHandle>;
const STARTERS: Record<ServiceName, Starter> = {
  queue: (e, logger) => queue.start(queueConfig.loadServiceConfig(e), { logger }),
  concert: (e, logger) => concert.start(concertConfig.loadServiceConfig(e), { logger }),
  reservation: (e, logger) => reservation.start(reservationConfig.loadServiceConfig(e), { logger }),
  wallet: (e, logger) => wallet.start(walletConfig.loadServiceConfig(e), { logger }),
  payment: (e, logger) => payment.start(paymentConfig.loadServiceConfig(e), { logger }),
};

/**
 * The whole system for one test file: the five real services (any number of instances each),
 * their own databases, one topic namespace and one Redis key namespace, talking over real
 * Kafka, Postgres and Redis exactly as deployed.
 */
export class System {
  readonly instances: Record<ServiceName, ServiceHandle[]> = {
    queue: [],
    concert: [],
    reservation: [],
    wallet: [],
    payment: [],
  };
  private readonly databases: Partial<
    Record<ServiceName, { url: string; drop: () => Promise<void> }>
  > = {};
  private rr = 0;

  private constructor(
    private readonly common: Record<string, string>,
    private readonly overrides: Partial<Record<ServiceName, Record<string, string>>>,
  ) {}

  static async start(
    options: {
      instances?: number;
      env?: Record<string, string>;
      overrides?: Partial<Record<ServiceName, Record<string, string>>>;
    } = {},
  ): Promise<System> {
    const infra = testInfra();
    const ns = await createTopicNamespace();
    const system = new System(
      {
        PORT: '0',
        REDIS_URL: infra.redisUrl,
        REDIS_KEY_PREFIX: `sys-${randomSuffix()}:`,
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        KAFKA_TOPIC_PREFIX: ns.prefix,
        QUEUE_TOKEN_SECRET: SECRET,
        QUEUE_ADMIT_PER_SECOND: '2000',
        QUEUE_MAX_ACTIVE: '100000',
        QUEUE_TICK_MS: '50',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        ...options.env,
      },
      options.overrides ?? {},
    );
    for (const name of ['concert', 'reservation', 'wallet', 'payment'] as const) {
      system.databases[name] = await createTestDatabase(`sys_${name}`);
    }
    // Schedule ids must not collide with other test files' on the shared broker.
    const concertDb = createDb({
      url: system.databases.concert!.url,
      applicationName: 'test-setup',
    });
    await migrate(concertDb, concertMigrations);
    await concertDb.raw(`alter sequence schedules_id_seq restart with ${randomIntId()}`);
    await concertDb.raw(`alter sequence concerts_id_seq restart with ${randomIntId()}`);
    await concertDb.destroy();
    for (const name of Object.keys(STARTERS) as ServiceName[]) {
      for (let i = 0; i < (options.instances ?? 1); i++) await system.startInstance(name);
    }
    return system;
  }

  groupOf = (name: ServiceName) => `${name}-${this.common.KAFKA_TOPIC_PREFIX}`;

  async startInstance(name: ServiceName): Promise<ServiceHandle> {
    const env = {
      ...this.common,
      KAFKA_CONSUMER_GROUP: this.groupOf(name),
      INSTANCE_ID: `${name}-${this.instances[name].length + 1}-${uuid().slice(0, 4)}`,
      ...(this.databases[name] && { DATABASE_URL: this.databases[name]!.url }),
      ...this.overrides[name],
    };
    const handle = await STARTERS[name](env, captureLogs(name).logger);
    this.instances[name].push(handle);
    return handle;
  }

  async stopInstances(name: ServiceName): Promise<void> {
    await Promise.all(this.instances[name].splice(0).map((h) => h.stop()));
  }

  /** An instance of the service, round robin (like the gateway). */
  url(name: ServiceName): string {
    const list = this.instances[name];
    return list[this.rr++ % list.length]!.url;
  }

  databaseUrl = (name: Exclude<ServiceName, 'queue'>) => this.databases[name]!.url;

  concertService = () => this.instances.concert[0] as concert.ConcertServiceHandle;

  /** A concert with one bookable date, published to everyone who needs it. */
  async bookableSchedule(
    price = 50_000,
  ): Promise<{ concertId: number; scheduleId: number; price: number }> {
    const db = createDb({ url: this.databaseUrl('concert'), applicationName: 'test' });
    const [{ id: concertId }] = await db('concerts')
      .insert({ title: `Show ${uuid()}`, artist: 'Test', venue: 'Hall' })
      .returning('id');
    await db.destroy();
    const startsAt = new Date(Date.now() + 20 * 86_400_000);
    const schedule = (await this.concertService().catalog.addSchedule({
      concertId,
      startsAt,
      bookingOpensAt: new Date(Date.now() - 86_400_000),
      bookingClosesAt: new Date(startsAt.getTime() - 3_600_000),
      price,
    }))!;
    // Wait until the reservation replica and the queue know it.
    const resDb = createDb({ url: this.databaseUrl('reservation'), applicationName: 'test' });
    await eventually(
      async () =>
        expect(await resDb('schedules').where({ id: schedule.scheduleId }).first()).toBeDefined(),
      { timeoutMs: 30_000 },
    );
    await resDb.destroy();
    return { concertId, scheduleId: schedule.scheduleId, price };
  }

  /** A fan who went through the real queue and is now ACTIVE. */
  async activeFan(concertId: number): Promise<{ userId: string; token: string; tokenId: string }> {
    const userId = uuid();
    const joined = await eventually(
      async () => {
        const res = await this.call('POST', 'queue', '/queue/tokens', undefined, {
          userId,
          concertId,
        });
        expect([200, 201]).toContain(res.status);
        return res.body as { token: string; tokenId: string };
      },
      { timeoutMs: 30_000 },
    );
    await eventually(
      async () =>
        expect(
          (await this.call('GET', 'queue', '/queue/tokens/me', joined.token)).body.status,
        ).toBe('ACTIVE'),
      { timeoutMs: 30_000 },
    );
    return { userId, token: joined.token, tokenId: joined.tokenId };
  }

  async call(
    method: string,
    service: ServiceName,
    path: string,
    token?: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const res = await fetch(`${this.url(service)}${path}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    };
  }

  async stop(): Promise<void> {
    for (const name of ['payment', 'wallet', 'reservation', 'concert', 'queue'] as const)
      await this.stopInstances(name);
    await Promise.all(Object.values(this.databases).map((d) => d!.drop()));
  }
}
