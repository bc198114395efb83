import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { captureLogs } from '@ticketing/testing';
import * as concert from '../services/concert/src/start';
import * as payment from '../services/payment/src/start';
import * as queue from '../services/queue/src/start';
import * as reservation from '../services/reservation/src/start';
import * as wallet from '../services/wallet/src/start';

const services = { queue, concert, reservation, wallet, payment };

describe.each(Object.entries(services))('%s service shell', (name, svc) => {
  it('when started on port 0, then it answers /health/live, and when stopped, then the port is free', async () => {
    const { logger } = captureLogs(name);
    const handle = await svc.start({ PORT: 0, LOG_LEVEL: 'info', INSTANCE_ID: 't' } as never, {
      logger,
    });
    const res = await fetch(`${handle.url}/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    await handle.stop();
    await expect(fetch(`${handle.url}/health/live`)).rejects.toThrow();
    // The port can be bound again: nothing of the service keeps it.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(handle.port, '0.0.0.0', r));
    expect((probe.address() as AddressInfo).port).toBe(handle.port);
    await new Promise((r) => probe.close(r));
  });
});
