import { type OutgoingMessage, type TopicNamespace } from '@ticketing/messaging';
import { publishNow, type Publisher } from '@ticketing/messaging/wiring';
import { type Knex, type Logger } from '@ticketing/platform';
import { createDb } from '@ticketing/platform/wiring';
import { createTestDatabase } from './database';
import { infraEnv } from './env';
import { randomSuffix, uuid } from './ids';
import { testKafka } from './kafka';
import { captureLogs } from './logs';
import { createTopicNamespace } from './topics';

// Jest gives every test file a module registry of its own, so these are one per test file:
// the deployments that other files run at the same time never see its messages or keys.
let namespace: Promise<TopicNamespace> | undefined;
/** This test file's own topics (every topic of the system under a prefix of its own). */
export const fileTopics = (): Promise<TopicNamespace> => (namespace ??= createTopicNamespace());
/** This test file's own Redis key namespace. */
export const FILE_KEY_PREFIX = `test-${randomSuffix()}:`;

/** How a test starts one service: what differs between services, and nothing else. */
export interface ServiceUnderTest<Handle> {
  name: string;
  /** The service's own `start(loadServiceConfig(env), { logger })`. */
  start(env: Record<string, string>, logger: Logger): Promise<Handle>;
  /** False for a service without Postgres (the queue). */
  database?: boolean;
  /** Runs once on a fresh database before any instance starts (seed sequences, …). */
  prepareDatabase?(url: string): Promise<void>;
  /** Variables of this service's tests, before the test's own overrides. */
  environment?(overrides: Record<string, string>): Promise<Record<string, string>>;
}

/** A service as its tests start it: its name, its config loader and its `start`. */
export function serviceUnderTest<Config, Handle>(
  name: string,
  loadConfig: (env: Record<string, string>) => Config,
  start: (config: Config, deps: { logger: Logger }) => Promise<Handle>,
  more: Omit<ServiceUnderTest<Handle>, 'name' | 'start'> = {},
): ServiceUnderTest<Handle> {
  return { name, start: (env, logger) => start(loadConfig(env), { logger }), ...more };
}

interface TestDatabase {
  url: string;
  db: Knex;
  drop(): Promise<void>;
}

interface Stoppable {
  stop(): Promise<void>;
}

/**
 * One deployment of a service for a test file, like production with INSTANCES=n: a database of
 * its own, and any number of instances on it (same consumer group, the file's topics and keys).
 */
export class Deployment<Handle extends Stoppable> {
  readonly instances: Handle[] = [];
  readonly consumerGroup: string;
  private producer?: Publisher;
  private readonly captured: (() => Record<string, unknown>[])[] = [];

  /** A service's deployment class extends this one and opens its database with `databaseFor`. */
  protected constructor(
    private readonly service: ServiceUnderTest<Handle>,
    private readonly database?: TestDatabase,
  ) {
    this.consumerGroup = `${service.name}-test-${randomSuffix()}`;
  }

  /** A deployment of a service that needs no helpers of its own. */
  static async of<Handle extends Stoppable>(
    service: ServiceUnderTest<Handle>,
  ): Promise<Deployment<Handle>> {
    return new Deployment(service, await Deployment.databaseFor(service));
  }

  /** A fresh database for the service, prepared; none for a service without one. */
  protected static async databaseFor(
    service: ServiceUnderTest<unknown>,
  ): Promise<TestDatabase | undefined> {
    if (service.database === false) return undefined;
    const database = await createTestDatabase(service.name);
    await service.prepareDatabase?.(database.url);
    return { ...database, db: createDb({ url: database.url, applicationName: 'test' }) };
  }

  get databaseUrl(): string {
    return this.requireDatabase().url;
  }

  /** The deployment's database, for the test to read what the service stored. */
  get db(): Knex {
    return this.requireDatabase().db;
  }

  async startInstance(overrides: Record<string, string> = {}): Promise<Handle> {
    const capture = captureLogs(this.service.name);
    this.captured.push(capture.lines);
    const env = {
      PORT: '0',
      ...infraEnv(),
      ...(this.database && { DATABASE_URL: this.database.url }),
      REDIS_KEY_PREFIX: FILE_KEY_PREFIX,
      KAFKA_CONSUMER_GROUP: this.consumerGroup,
      KAFKA_TOPIC_PREFIX: (await fileTopics()).prefix,
      INSTANCE_ID: uuid().slice(0, 8),
      ...(await this.service.environment?.(overrides)),
      ...overrides,
    };
    const instance = await this.service.start(env, capture.logger);
    this.instances.push(instance);
    return instance;
  }

  /** Every log line of every instance so far. */
  logs(): Record<string, unknown>[] {
    return this.captured.flatMap((lines) => lines());
  }

  /** Publishes messages on the file's topics, as another service would. */
  async send(...messages: OutgoingMessage[]): Promise<void> {
    if (!this.producer) {
      this.producer = testKafka().publisher();
      await this.producer.connect();
    }
    await publishNow(this.producer, messages, await fileTopics());
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.splice(0).map((i) => i.stop()));
    await this.producer?.disconnect();
    if (this.database) {
      await this.database.db.destroy();
      await this.database.drop();
    }
  }

  private requireDatabase() {
    if (!this.database) throw new Error(`${this.service.name} has no database`);
    return this.database;
  }
}
