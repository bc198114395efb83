import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /** Stop accepting, let in-flight requests finish, then cut what is left at the deadline. */
  close(deadlineMs?: number): Promise<void>;
}

export async function listen(
  app: RequestListener,
  port: number,
  host = '0.0.0.0',
): Promise<RunningServer> {
  const server = createServer(app);
  // Longer than any load balancer's idle timeout, so it never reuses a socket we just closed.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A crowd connecting at once (a sale opening) must not overflow the accept queue: Node's
    // default backlog of 511 turns the overflow into SYN retries of 1 s, 3 s, 7 s.
    server.listen({ port, host, backlog: 4096 }, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: (deadlineMs = 5000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), deadlineMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
