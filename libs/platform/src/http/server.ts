import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ConnectionDrain } from './connection-drain';

export interface RunningServer {
  port: number;
  url: string;
  /** Stop accepting, let in-flight requests finish, then cut what is left at the deadline. */
  close(deadlineMs?: number): Promise<void>;
}

// A crowd connecting at once (a sale opening) must not overflow the accept queue: Node's
// default backlog of 511 turns the overflow into SYN retries of 1 s, 3 s, 7 s.
const BACKLOG = 4096;

/**
 * A service's app on its port. `drainMs`: how long its connections drain when it closes (see
 * ConnectionDrain; 0: closed at once, as tests' services are).
 */
export async function listen(
  app: FastifyInstance,
  port: number,
  host = '0.0.0.0',
  drainMs = 0,
): Promise<RunningServer> {
  // Watched only when they are to be drained (tests' services close at once).
  const connections = drainMs > 0 ? new ConnectionDrain(app.server) : undefined;
  await app.listen({ port, host, backlog: BACKLOG });
  const actual = (app.server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: async (deadlineMs = 5000) => {
      await connections?.drain(drainMs);
      const timer = setTimeout(() => app.server.closeAllConnections(), deadlineMs);
      try {
        await app.close();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** A plain node:http handler on a port (the gateway, which only forwards); `drainMs` as above. */
export async function listenRaw(
  handler: RequestListener,
  port: number,
  host = '0.0.0.0',
  drainMs = 0,
): Promise<RunningServer> {
  const server = createServer(handler);
  // Watched only when they are to be drained (tests' services close at once).
  const connections = drainMs > 0 ? new ConnectionDrain(server) : undefined;
  // Longer than any load balancer's idle timeout, so it never reuses a socket we just closed.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: BACKLOG }, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: async (deadlineMs = 5000) => {
      await connections?.drain(drainMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), deadlineMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
