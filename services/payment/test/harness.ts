import type { TopicNamespace } from '@ticketing/messaging';
import { createDb, type Knex } from '@ticketing/platform';
import {
  captureLogs,
  createTestDatabase,
  createTopicNamespace,
  infraEnv,
  randomSuffix,
  uuid,
} from '@ticketing/testing';
import { loadServiceConfig } from '../src/config';
import { start, type PaymentServiceHandle } from '../src/start';

let namespace: Promise<TopicNamespace> | undefined;
export const topicNamespace = () => (namespace ??= createTopicNamespace());

/** One payment deployment for a test file: its database and any number of instances. */
export class PaymentDeployment {
  readonly instances: PaymentServiceHandle[] = [];
  private readonly captured: (() => Record<string, unknown>[])[] = [];

  private constructor(
    readonly databaseUrl: string,
    readonly db: Knex,
    private readonly drop: () => Promise<void>,
    private readonly group = `payment-test-${randomSuffix()}`,
  ) {}

  static async create(): Promise<PaymentDeployment> {
    const database = await createTestDatabase('payment');
    return new PaymentDeployment(
      database.url,
      createDb({ url: database.url, applicationName: 'test' }),
      database.drop,
    );
  }

  async startInstance(overrides: Record<string, string> = {}): Promise<PaymentServiceHandle> {
    const capture = captureLogs('payment');
    this.captured.push(capture.lines);
    const instance = await start(
      loadServiceConfig({
        PORT: '0',
        ...infraEnv(),
        DATABASE_URL: this.databaseUrl,
        KAFKA_CONSUMER_GROUP: this.group,
        KAFKA_TOPIC_PREFIX: (await topicNamespace()).prefix,
        INSTANCE_ID: uuid().slice(0, 8),
        ...overrides,
      }),
      { logger: capture.logger },
    );
    this.instances.push(instance);
    return instance;
  }

  /** Every log line of every instance so far. */
  logs(): Record<string, unknown>[] {
    return this.captured.flatMap((lines) => lines());
  }

  /** A saga stored as the service would have left it, in `state`, due `ageSeconds` ago. */
  async insertSaga(saga: {
    state: 'CONFIRMING' | 'DEBITING' | 'CANCELLING_DEBIT' | 'REVERTING' | 'EXPIRING_TOKEN';
    userId?: string;
    overdueSeconds?: number;
  }): Promise<string> {
    const paymentId = uuid();
    await this.db('payments').insert({
      id: paymentId,
      reservation_id: uuid(),
      user_id: saga.userId ?? uuid(),
      token_id: uuid(),
      concert_id: 1,
      amount: saga.state === 'CONFIRMING' ? null : 10_000,
      status: 'PENDING',
      saga_state: saga.state,
      deadline_at: this.db.raw(`now() - make_interval(secs => ?)`, [saga.overdueSeconds ?? 1]),
    });
    return paymentId;
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.splice(0).map((i) => i.stop()));
    await this.db.destroy();
    await this.drop();
  }
}
