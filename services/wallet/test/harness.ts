import { wallet as contracts } from '@ticketing/contracts';
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
  identityToken,
  infraEnv,
  randomSuffix,
  testKafka,
  uuid,
} from '@ticketing/testing';
import type { Producer } from 'kafkajs';
import { loadServiceConfig } from '../src/config';
import { ledgerBalance } from '../src/domain/amounts';
import { start, type WalletServiceHandle } from '../src/start';

let namespace: Promise<TopicNamespace> | undefined;
export const topicNamespace = () => (namespace ??= createTopicNamespace());

/** One wallet deployment: its database and any number of instances, like INSTANCES=n. */
export class WalletDeployment {
  readonly instances: WalletServiceHandle[] = [];
  private producer?: Producer;
  private readonly captured: (() => Record<string, unknown>[])[] = [];

  /** Every log line of every instance so far. */
  logs(): Record<string, unknown>[] {
    return this.captured.flatMap((lines) => lines());
  }

  private constructor(
    readonly databaseUrl: string,
    readonly db: Knex,
    private readonly drop: () => Promise<void>,
    private readonly group = `wallet-test-${randomSuffix()}`,
  ) {}

  static async create(): Promise<WalletDeployment> {
    const database = await createTestDatabase('wallet');
    return new WalletDeployment(
      database.url,
      createDb({ url: database.url, applicationName: 'test' }),
      database.drop,
    );
  }

  async startInstance(overrides: Record<string, string> = {}): Promise<WalletServiceHandle> {
    const capture = captureLogs('wallet');
    this.captured.push(capture.lines);
    const instance = await start(
      loadServiceConfig({
        PORT: '0',
        ...infraEnv(),
        DATABASE_URL: this.databaseUrl,
        KAFKA_CONSUMER_GROUP: this.group,
        KAFKA_TOPIC_PREFIX: (await topicNamespace()).prefix,
        INSTANCE_ID: uuid().slice(0, 8),
        DB_POOL_MAX: '20',
        ...overrides,
      }),
      { logger: capture.logger },
    );
    this.instances.push(instance);
    return instance;
  }

  async send(...messages: ReturnType<typeof buildMessage>[]): Promise<void> {
    if (!this.producer) {
      this.producer = createProducer(testKafka());
      await this.producer.connect();
    }
    await publishNow(this.producer, messages, await topicNamespace());
  }

  debit = (paymentId: string, userId: string, amount: number) =>
    buildMessage(
      contracts.debitWallet,
      { paymentId, userId, amount },
      { source: 'test', correlationId: paymentId },
    );

  cancel = (paymentId: string, userId: string) =>
    buildMessage(
      contracts.cancelDebit,
      { paymentId, userId },
      { source: 'test', correlationId: paymentId },
    );

  /** The invariant: the stored balance is the ledger's sum, and neither is ever negative. */
  async expectBalanceIsLedgerSum(userId: string): Promise<number> {
    const entries = (await this.db('ledger').where({ user_id: userId }).orderBy('seq')) as {
      type: 'CHARGE' | 'DEBIT' | 'REFUND';
      amount: number;
      balance_after: number;
    }[];
    const wallet = (await this.db('wallets').where({ user_id: userId }).first()) as
      { balance: number } | undefined;
    const balance = wallet?.balance ?? 0;
    expect(balance).toBe(ledgerBalance(entries));
    expect(balance).toBeGreaterThanOrEqual(0);
    let running = 0;
    for (const e of entries) {
      running += e.type === 'DEBIT' ? -e.amount : e.amount;
      expect(e.balance_after).toBe(running); // each row's balanceAfter is the running sum
      expect(running).toBeGreaterThanOrEqual(0);
    }
    return balance;
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.splice(0).map((i) => i.stop()));
    await this.producer?.disconnect();
    await this.db.destroy();
    await this.drop();
  }
}

/** A charge of `userId`'s wallet with that user's identity token (the wallet's owner). */
export async function charge(
  baseUrl: string,
  userId: string,
  amount: unknown,
  key?: string,
  identity?: string,
) {
  const res = await fetch(`${baseUrl}/wallets/${encodeURIComponent(userId)}/charges`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${identity ?? (await identityToken(userId))}`,
      ...(key && { 'idempotency-key': key }),
    },
    body: JSON.stringify({ amount }),
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

/** A GET with `userId`'s identity token. */
export async function getAs(url: string, userId: string): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${await identityToken(userId)}` } });
}
