import type { Logger, ServiceHandle } from '@ticketing/platform';
import {
  captureLogs,
  createTopicNamespace,
  eventually,
  randomSuffix,
  uuid,
  infraEnv,
  SYSTEM_DB_POOL_MAX,
} from '@ticketing/testing';
import {
  activeFan,
  addBookableSchedule,
  createSystemDatabases,
  httpCall,
  type DatabaseService,
  type Fan,
  type Databases,
  type Reply,
  type RunningSystem,
  type ServiceName,
} from './system-setup';
import * as concertConfig from '../services/concert/src/config';
import * as concert from '../services/concert/src/start';
import * as paymentConfig from '../services/payment/src/config';
import * as payment from '../services/payment/src/start';
import * as queueConfig from '../services/queue/src/config';
import * as queue from '../services/queue/src/start';
import * as reservationConfig from '../services/reservation/src/config';
import * as reservation from '../services/reservation/src/start';
import * as walletConfig from '../services/wallet/src/config';
import * as wallet from '../services/wallet/src/start';

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
export class System implements RunningSystem {
  readonly instances: Record<ServiceName, ServiceHandle[]> = {
    queue: [],
    concert: [],
    reservation: [],
    wallet: [],
    payment: [],
  };
  private databases = {} as Databases;
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
    const ns = await createTopicNamespace();
    const system = new System(
      {
        PORT: '0',
        ...infraEnv(),
        REDIS_KEY_PREFIX: `sys-${randomSuffix()}:`,
        KAFKA_TOPIC_PREFIX: ns.prefix,
        QUEUE_ADMIT_PER_SECOND: '2000',
        QUEUE_MAX_ACTIVE: '100000',
        QUEUE_TICK_MS: '50',
        DB_POOL_MAX: SYSTEM_DB_POOL_MAX,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        ...options.env,
      },
      options.overrides ?? {},
    );
    system.databases = await createSystemDatabases();
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
      ...(name !== 'queue' && { DATABASE_URL: this.databases[name].url }),
      ...this.overrides[name],
    };
    const handle = await STARTERS[name](env, captureLogs(name).logger);
    this.instances[name].push(handle);
    // Served only once ready, as a deployment routes to it: a service starts before it has
    // discovered the identity provider, and answers identity calls 503 until then.
    await eventually(
      async () => {
        const res = await fetch(`${handle.url}/health/ready`);
        expect({ instance: env.INSTANCE_ID, status: res.status, body: await res.text() }).toEqual(
          expect.objectContaining({ status: 200 }),
        );
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
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

  databaseUrl = (name: DatabaseService) => this.databases[name].url;

  concertService = () => this.instances.concert[0] as concert.ConcertServiceHandle;

  bookableSchedule = (price?: number) => addBookableSchedule(this, price);

  activeFan = (concertId: number, fan?: Fan) => activeFan(this, concertId, fan);

  call = (
    method: string,
    service: ServiceName,
    path: string,
    token?: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> => httpCall(this.url(service), method, path, token, body, headers);

  async stop(): Promise<void> {
    for (const name of ['payment', 'wallet', 'reservation', 'concert', 'queue'] as const)
      await this.stopInstances(name);
    await Promise.all(Object.values(this.databases).map((d) => d.drop()));
  }
}
