import type { ServerResponse } from 'node:http';
import type { HttpReply, Logger } from '@ticketing/platform';
import type { QueueTokenClaims } from '@ticketing/auth';
import { viewOf, type TokenState } from '../../domain/token-status';
import type { WaitingQueue } from '../../domain/queue';

interface Subscriber {
  claims: QueueTokenClaims;
  res: ServerResponse;
  /** The last event's id ("<status>:<position>"), and when it was written. */
  last?: string;
  lastAtMs: number;
  /** Far back: not looked at again before this (its figure moves slowly)… */
  nextAtMs: number;
  /** …unless the concert sells out or seats come back. */
  shownSoldOut?: boolean;
}

// Far back, a position changes with every admission tick; an event every few seconds is plenty.
const FAR_BACK_EVERY_MS = 5000;
const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events for waiting fans, pushed from this instance's snapshots (ADR 0015): once per
 * interval every open stream's state is computed in memory (no Redis command per stream; an open
 * stream counts as polling, batched with the instance's other marks), and an event is written
 * only where what the fan is shown changed: `position` while waiting (near the front on every
 * change, far back at most every few seconds), `sold-out` while nothing is left to sell, `active`
 * once admitted (then the stream ends), `expired` if the place is gone. Each event has an id, so
 * a client that reconnects elsewhere (`Last-Event-ID`) is not told the same thing twice.
 */
export class QueueEventStreams {
  private readonly subscribers = new Set<Subscriber>();
  private timer?: NodeJS.Timeout;
  private refreshing = false;
  private heartbeatAt = Date.now();
  private intervalMs = 500;

  constructor(
    private readonly queue: WaitingQueue,
    private readonly logger: Logger,
  ) {}

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
  subscribe(claims: QueueTokenClaims, reply: HttpReply, lastEventId?: string): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>), // the request id
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no', // proxies must not buffer the stream
    });
    res.write('retry: 2000\n\n');
    const { userId, tokenId, concertId } = claims; // not the request's objects: a stream is long
    const sub: Subscriber = {
      claims: { userId, tokenId, concertId },
      res,
      lastAtMs: 0,
      nextAtMs: 0,
    };
    if (lastEventId && /^[A-Z_]+:\d+$/.test(lastEventId)) sub.last = lastEventId;
    this.subscribers.add(sub);
    this.keepRefreshing();
    res.on('close', () => this.subscribers.delete(sub));
    void this.refreshOne(sub, Date.now()); // the first event at once, not after an interval
  }

  get size(): number {
    return this.subscribers.size;
  }

  async refresh(): Promise<void> {
    if (this.refreshing || this.subscribers.size === 0) return;
    this.refreshing = true;
    try {
      const now = Date.now();
      const due: Promise<void>[] = [];
      for (const sub of this.subscribers)
        if (sub.nextAtMs <= now) due.push(this.refreshOne(sub, now));
      await Promise.all(due);
      if (now - this.heartbeatAt > HEARTBEAT_MS) {
        this.heartbeatAt = now;
        for (const sub of this.subscribers) sub.res.write(': keep-alive\n\n');
      }
    } catch (err) {
      this.logger.warn({ err }, 'SSE refresh failed');
    } finally {
      this.refreshing = false;
    }
  }

  private async refreshOne(sub: Subscriber, now: number): Promise<void> {
    try {
      this.deliver(sub, await this.queue.stateOf(sub.claims, now, { stream: true }), now);
    } catch (err) {
      this.logger.debug({ err }, 'SSE state not read; next interval');
    }
  }

  private deliver(sub: Subscriber, state: TokenState, now: number): void {
    if (!this.subscribers.has(sub)) return;
    if (state.status === 'GONE') {
      this.send(sub, 'expired', 'EXPIRED:0', { tokenId: sub.claims.tokenId, status: 'EXPIRED' });
      return this.close(sub);
    }
    const view = viewOf({ token: '', ...sub.claims }, state, this.queue.settings.admitPerSecond);
    const { token: _token, ...payload } = view;
    const id = `${view.status}:${view.position}`;
    const near = view.position <= Math.max(100, this.queue.settings.admitPerSecond * 10);
    // Far back, the stream is looked at again in a few seconds (often enough to keep the fan
    // seen within every liveness window); near the front, every interval.
    if (!near) sub.nextAtMs = now + Math.min(FAR_BACK_EVERY_MS, this.queue.settings.idleMs / 4);
    sub.shownSoldOut = view.status === 'SOLD_OUT';
    if (id === sub.last) return;
    if (view.status === 'ACTIVE') {
      this.send(sub, 'active', id, payload);
      return this.close(sub);
    }
    // Sold out: the stream stays open, seats may come back (a hold that ends unpaid).
    this.send(sub, view.status === 'SOLD_OUT' ? 'sold-out' : 'position', id, payload);
    sub.lastAtMs = now;
  }

  private send(sub: Subscriber, event: string, id: string, data: unknown): void {
    sub.last = id;
    sub.res.write(`event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private close(sub: Subscriber): void {
    this.subscribers.delete(sub);
    sub.res.end();
  }

  /** Ends every stream (shutdown): clients reconnect to another instance and keep their place. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const sub of this.subscribers) sub.res.end();
    this.subscribers.clear();
  }
}
