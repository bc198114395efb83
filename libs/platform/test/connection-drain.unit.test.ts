import http from 'node:http';
import { z } from 'zod';
import { captureLogs } from '@ticketing/testing';
import { CLIENT_IDLE_CONNECTION_MS } from '../src/http/connection-drain';
import { createHttpApp } from '../src/http/app';
import { createMetricsRegistry } from '../src/metrics';
import { TypedRoutes } from '../src/http/routes';
import { listen } from '../src/http/server';

/**
 * A stopping service and the gateway's kept-alive connections: a hold sent on a connection the
 * service had just closed as idle was answered 502 by the gateway in a rolling restart (it cannot
 * repeat a write without a key). Draining, the service answers what arrives on them.
 */
describe('a stopping server drains its kept-alive connections', () => {
  const { logger } = captureLogs('drain-test');

  async function startServer(drainMs: number) {
    const { app, finish } = createHttpApp({
      service: 'demo',
      logger,
      metrics: createMetricsRegistry('demo'),
    });
    const routes = new TypedRoutes(app).add(
      {
        method: 'post',
        path: '/holds',
        operationId: 'hold',
        summary: 'hold a seat',
        body: z.object({ seatNo: z.number().int() }),
        responses: { 201: { description: 'held', schema: z.object({ seatNo: z.number() }) } },
      },
      ({ body }, _req, reply) => {
        reply.code(201).send({ seatNo: body.seatNo });
      },
    );
    return listen(finish(routes.operations), 0, '127.0.0.1', drainMs);
  }

  /** A POST as the gateway sends it: on its pool of kept-alive connections. */
  function hold(agent: http.Agent, port: number, seatNo: number) {
    return new Promise<{ status: number; connection?: string; reused: boolean }>(
      (resolve, reject) => {
        const body = JSON.stringify({ seatNo });
        const req = http.request(
          {
            agent,
            port,
            host: '127.0.0.1',
            method: 'POST',
            path: '/holds',
            headers: { 'content-type': 'application/json', 'content-length': body.length },
          },
          (res) => {
            res.resume();
            res.on('end', () =>
              resolve({
                status: res.statusCode!,
                connection: res.headers.connection,
                reused: req.reusedSocket,
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      },
    );
  }

  const gatewayAgent = () =>
    new http.Agent({ keepAlive: true, maxSockets: 1, timeout: CLIENT_IDLE_CONNECTION_MS });

  it('when a hold is sent on a kept-alive connection just as the server begins to stop, then it is answered, with Connection: close, and the stop completes', async () => {
    const server = await startServer(2500);
    const agent = gatewayAgent();
    try {
      expect(await hold(agent, server.port, 1)).toMatchObject({ status: 201, reused: false });
      const stopping = server.close();
      // The same connection, idle for a moment, used as the stop begins.
      expect(await hold(agent, server.port, 2)).toEqual({
        status: 201,
        connection: 'close',
        reused: true,
      });
      await stopping;
    } finally {
      agent.destroy();
    }
  });

  it('when the server has begun to drain, then a new connection is refused (the gateway tries another instance) while the open one is still answered', async () => {
    const server = await startServer(2500);
    const agent = gatewayAgent();
    const late = gatewayAgent();
    try {
      expect(await hold(agent, server.port, 1)).toMatchObject({ status: 201 });
      const stopping = server.close();
      await expect(hold(late, server.port, 2)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(await hold(agent, server.port, 3)).toMatchObject({ status: 201, reused: true });
      await stopping;
    } finally {
      agent.destroy();
      late.destroy();
    }
  });

  it('when the server stops without a drain, then the same hold meets a closed connection (what the drain is for)', async () => {
    const server = await startServer(0);
    const agent = gatewayAgent();
    try {
      expect(await hold(agent, server.port, 1)).toMatchObject({ status: 201 });
      const stopping = server.close();
      await expect(hold(agent, server.port, 2)).rejects.toThrow();
      await stopping;
    } finally {
      agent.destroy();
    }
  });
});
