import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';

/**
 * The longest an HTTP client of this project keeps an idle connection for its next request (the
 * gateway's pool of connections to the services): after that it closes it and never sends on it.
 */
export const CLIENT_IDLE_CONNECTION_MS = 1000;

/**
 * How long a stopping service drains its connections before it closes them (`HTTP_DRAIN_MS`):
 * long enough for a connection idle since the drain began to outlast a client's idle timeout,
 * with a margin for a busy client's late timer.
 */
export const DEFAULT_DRAIN_MS = 2500;

/** A connection idle this long is one no client of ours sends on any more. */
const IDLE_SAFE_MS = 2 * CLIENT_IDLE_CONNECTION_MS;
/** A shorter drain closes no idle connection before the close does: the race is back. */
export const DRAIN_AT_LEAST_MS = IDLE_SAFE_MS;
const BUSY = Infinity;
const LOOK_EVERY_MS = 50;

/**
 * A stopping server drains before it closes. Closing a kept-alive connection as idle races the
 * client that sends its next request on it at that very moment: the request meets a closed
 * connection ("socket hang up"), which proves nothing about whether it ran, and the gateway
 * answers a write it cannot repeat (a hold) 502 (ADR 0005; a rolling restart met it). Draining,
 * the server answers every request with `Connection: close` (the client's next one opens a new
 * connection), closes each connection once it has been idle past any client's idle timeout (its
 * client closed it already, or never sends on it again), and leaves what is left to the close.
 * Connections are watched from the start: how long one has been idle is known when the drain
 * begins.
 *
 * New connections are refused from the drain's start: every answer closes its connection, so a
 * busy client opens new ones, and one opened as the drain ends carries a request the close then
 * cuts unread-yet-sent ("socket hang up" on a fresh connection, which the gateway cannot tell from
 * a request that ran: a rolling restart met a payment answered 502). A refused connection is
 * one no process saw: the gateway sends the request to another instance.
 */
export class ConnectionDrain {
  /** When each connection's last answer ended; BUSY while it carries a request. */
  private readonly idleSince = new Map<Socket, number>();
  /** The answers in progress: one that has not started when the drain begins closes too. */
  private readonly answering = new Set<ServerResponse>();
  private draining = false;

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.idleSince.set(socket, Date.now());
      socket.once('close', () => this.idleSince.delete(socket));
    });
    // Before the app's own listener, so the header is set before any answer is written.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket;
      this.idleSince.set(socket, BUSY);
      if (this.draining) closeAfter(res);
      else this.answering.add(res);
      res.once('close', () => {
        this.answering.delete(res);
        if (this.idleSince.has(socket)) this.idleSince.set(socket, Date.now());
      });
    });
  }

  /** Resolves once no connection is left open, or after `drainMs`. */
  async drain(drainMs: number): Promise<void> {
    this.draining = true;
    // net's close, not http's: http's also closes the idle connections at once (Node ≥ 19),
    // which is the race the drain is for. The app's close closes the server again, as a no-op.
    net.Server.prototype.close.call(this.server);
    for (const res of this.answering) closeAfter(res);
    const deadline = Date.now() + drainMs;
    for (;;) {
      const now = Date.now();
      for (const [socket, since] of this.idleSince)
        if (now - since >= IDLE_SAFE_MS) socket.destroy();
      if (this.idleSince.size === 0 || now >= deadline) return;
      await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
    }
  }
}

/** The connection closes after this answer (Node honours the header it is given). */
function closeAfter(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('connection', 'close');
}
