import type { ServerResponse } from 'node:http';
import type { HttpReply, Logger } from '@ticketing/platform';
import type { QueueTokenClaims } from '@ticketing/auth';
import { viewOf, type TokenState } from '../../domain/token-status';
import type { WaitingQueue } from '../../domain/queue';

interface Subscriber {
  token: string;
  claims: QueueTokenClaims;
  res: ServerResponse;
  last?: string;
}

/**
 * Server-Sent Events for waiting fans. One refresher per instance touches every connected
 * token in a single Redis round trip (which also keeps their places: a connected stream counts
 * as polling) and writes an event only when something changed: `position` while waiting,
 * `sold-out` while nothing is left to sell, `active` once admitted (then the stream ends),
 * `expired` if the token is gone.
 */
export class QueueEventStreams {
  private readonly subscribers = new Set<Subscriber>();
  private timer?: NodeJS.Timeout;
  private refreshing = false;
  private heartbeatAt = Date.now();

  constructor(
    private readonly queue: WaitingQueue,
    private readonly logger: Logger,
  ) {}

  private intervalMs = 500;

  /** The refresher runs while streams are open: an instance without any costs nothing. */
  start(intervalMs: number): void {
    this.intervalMs = intervalMs;
  }

  private keepRefreshing(): void {
    this.timer ??= setInterval(() => {
      if (this.subscribers.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
        return;
      }
      void this.refresh();
    }, this.intervalMs);
  }

  /** Takes the response over from the framework: it stays open until the stream ends. */
  subscribe(token: string, claims: QueueTokenClaims, reply: HttpReply): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>), // the request id
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no', // proxies must not buffer the stream
    });
    res.flushHeaders();
    res.write('retry: 2000\n\n');
    const sub: Subscriber = { token, claims, res };
    this.subscribers.add(sub);
    this.keepRefreshing();
    res.on('close', () => this.subscribers.delete(sub));
    void this.refresh(); // the first event at once, not after an interval
  }

  get size(): number {
    return this.subscribers.size;
  }

  async refresh(): Promise<void> {
    if (this.refreshing || this.subscribers.size === 0) return;
    this.refreshing = true;
    try {
      const subs = [...this.subscribers];
      const states = await this.queue.refresh(subs.map((s) => s.claims));
      subs.forEach((sub, i) => this.deliver(sub, states[i]!));
      if (Date.now() - this.heartbeatAt > 15_000) {
        this.heartbeatAt = Date.now();
        for (const sub of this.subscribers) sub.res.write(': keep-alive\n\n');
      }
    } catch (err) {
      this.logger.warn({ err }, 'SSE refresh failed');
    } finally {
      this.refreshing = false;
    }
  }

  private deliver(sub: Subscriber, state: TokenState): void {
    if (state.status === 'GONE') {
      this.send(sub, 'expired', { tokenId: sub.claims.tokenId, status: 'EXPIRED' });
      return this.close(sub);
    }
    const view = viewOf(
      { token: sub.token, ...sub.claims },
      state,
      this.queue.settings.admitPerSecond,
    );
    const { token: _token, ...payload } = view;
    const fingerprint = `${view.status}:${view.position}`;
    if (fingerprint === sub.last) return;
    sub.last = fingerprint;
    if (view.status === 'ACTIVE') {
      this.send(sub, 'active', payload);
      return this.close(sub);
    }
    // Sold out: the stream stays open, seats may come back (a hold that ends unpaid).
    this.send(sub, view.status === 'SOLD_OUT' ? 'sold-out' : 'position', payload);
  }

  private send(sub: Subscriber, event: string, data: unknown): void {
    sub.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private close(sub: Subscriber): void {
    this.subscribers.delete(sub);
    sub.res.end();
  }

  /** Ends every stream (shutdown): clients reconnect to another instance. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const sub of this.subscribers) sub.res.end();
    this.subscribers.clear();
  }
}
