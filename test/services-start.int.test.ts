import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import type { Logger, ServiceHandle } from '@ticketing/platform';
import { captureLogs, createTestDatabase, infraEnv } from '@ticketing/testing';
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

/** Every service, started from its real configuration loader with test infrastructure. */
export const env = (): Record<string, string> => ({
  PORT: '0',
  LOG_LEVEL: 'info',
  INSTANCE_ID: 't',
  ...infraEnv(),
});

type Starter = (source: Record<string, string>, logger: Logger) => Promise<ServiceHandle>;
const services: Record<string, Starter> = {
  queue: (s, logger) => queue.start(queueConfig.loadServiceConfig(s), { logger }),
  concert: (s, logger) => concert.start(concertConfig.loadServiceConfig(s), { logger }),
  reservation: (s, logger) => reservation.start(reservationConfig.loadServiceConfig(s), { logger }),
  wallet: (s, logger) => wallet.start(walletConfig.loadServiceConfig(s), { logger }),
  payment: (s, logger) => payment.start(paymentConfig.loadServiceConfig(s), { logger }),
};

describe.each(Object.entries(services))('%s service', (name, startService) => {
  // A database of this test's own (never the developer's `concert`, `wallet`… databases).
  let database: { url: string; drop: () => Promise<void> } | undefined;
  beforeAll(async () => {
    if (name !== 'queue') database = await createTestDatabase(`start_${name}`);
  });
  afterAll(() => database?.drop());

  it('when started on port 0, then it answers /health/live and /health/ready, and when stopped, then the port is free', async () => {
    const { logger } = captureLogs(name);
    const handle = await startService(
      { ...env(), ...(database && { DATABASE_URL: database.url }) },
      logger,
    );
    const res = await fetch(`${handle.url}/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${handle.url}/health/ready`);
    expect(ready.status).toBe(200);
    const openapi = (await (await fetch(`${handle.url}/openapi.json`)).json()) as {
      openapi: string;
    };
    expect(openapi.openapi).toBe('3.1.0');
    await handle.stop();
    await expect(fetch(`${handle.url}/health/live`)).rejects.toThrow();
    // The port can be bound again: nothing of the service keeps it.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(handle.port, '0.0.0.0', r));
    expect((probe.address() as AddressInfo).port).toBe(handle.port);
    await new Promise((r) => probe.close(r));
  });
});
