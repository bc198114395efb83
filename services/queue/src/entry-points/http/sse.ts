import type { ServerResponse } from 'node:http';
import type { HttpReply, Logger } from '@ticketing/platform';
import { PeriodicTask } from '@ticketing/platform/wiring';
import { placeOf, type Place, type QueueTokenClaims } from '@ticketing/queue-pass';
import { placeViewOf, shownPosition, type TokenState } from '../../domain/token-status';
import type { Places } from '../../domain/places';

interface Subscriber {
  claims: QueueTokenClaims;
  /** The place the pass names, read from its id once. */
  place: Place;
  res: ServerResponse;
  /** The last event's id ("<status>:<position>"). */
  last?: string;
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
 * interval each concert's snapshot is taken once and every open stream's state computed from it
 * in memory (no Redis command and no promise per stream; an open stream counts as polling,
 * batched with the instance's other marks), and an event is written only where what the fan is
 * shown changed: `position` while waiting (near the front on every change, far back at most
 * every few seconds), `sold-out` while nothing is left to sell (far back too, at once),
 * `active` once admitted (then the stream ends), `expired` if the place is gone. Each event has
 * an id, so a client that reconnects elsewhere (`Last-Event-ID`) is not told the same thing twice.
 */
export class QueueEventStreams {
  /** Open streams by concert; a concert without any has no entry. */
  private readonly concerts = new Map<number, Set<Subscriber>>();
  private readonly refresher: PeriodicTask;
  private heartbeatAt = Date.now();
  private intervalMs = 500;

  constructor(
    private readonly places: Places,
    private readonly logger: Logger,
  ) {
    this.refresher = new PeriodicTask('SSE refresh', () => this.refresh(), logger);
  }

  /** The refresher runs while streams are open: an instance without any costs nothing. */
  start(intervalMs: number): void {
    this.intervalMs = intervalMs;
  }

  private keepRefreshing(): void {
    this.refresher.start(this.intervalMs);
  }

  /**
   * Takes the response over from the framework: it stays open until the stream ends. The
   * caller has checked the pass (a live place).
   */
  subscribe(claims: QueueTokenClaims, reply: HttpReply, lastEventId?: string): void {
    const place = placeOf(claims.tokenId);
    if (!place) throw new Error('a checked pass names a place');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>), // the request id
      'Content-Type': 'text/event-stream',
      // Nobody keeps it: a fan's own state, and its URL may carry a stream ticket.
      'Cache-Control': 'no-store, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no', // proxies must not buffer the stream
    });
    res.write('retry: 2000\n\n');
    const { userId, tokenId, concertId } = claims; // not the request's objects: a stream is long
    const sub: Subscriber = { claims: { userId, tokenId, concertId }, place, res, nextAtMs: 0 };
    if (lastEventId && /^[A-Z_]+:\d+$/.test(lastEventId)) sub.last = lastEventId;
    let streams = this.concerts.get(concertId);
    if (!streams) this.concerts.set(concertId, (streams = new Set()));
    streams.add(sub);
    this.keepRefreshing();
    res.on('close', () => this.forget(sub));
    void this.refreshOne(sub, Date.now()); // the first event at once, not after an interval
  }

  get size(): number {
    let open = 0;
    for (const streams of this.concerts.values()) open += streams.size;
    return open;
  }

  /**
   * One interval's round (the refresher's work, never two at once): every open stream shown what
   * changed. With no stream open the refresher stops until the next one opens.
   */
  async refresh(): Promise<void> {
    if (this.concerts.size === 0) return void this.refresher.stop();
    const now = Date.now();
    const asked: Promise<void>[] = [];
    for (const [concertId, streams] of this.concerts) {
      const snapshot = await this.places.snapshotOf(concertId).catch((err: unknown) => {
        this.logger.warn({ err, concertId }, 'SSE: snapshot not read; next interval');
      });
      if (!snapshot) continue;
      const soldOut = snapshot.data.soldOut;
      for (const sub of streams) {
        if (sub.nextAtMs > now && sub.shownSoldOut === soldOut) continue;
        const state = this.places.waitingIn(snapshot, sub.place, now);
        if (state) this.deliver(sub, state, now);
        else asked.push(this.refreshOne(sub, now)); // admitted, gone, another epoch: the store
      }
    }
    await Promise.all(asked);
    if (now - this.heartbeatAt > HEARTBEAT_MS) {
      this.heartbeatAt = now;
      for (const streams of this.concerts.values())
        for (const sub of streams) writeEvent(sub.res, ': keep-alive\n\n');
    }
  }

  private async refreshOne(sub: Subscriber, now: number): Promise<void> {
    try {
      this.deliver(sub, await this.places.stateOf(sub.claims, now, { stream: true }), now);
    } catch (err) {
      this.logger.debug({ err }, 'SSE state not read; next interval');
    }
  }

  private deliver(sub: Subscriber, state: TokenState, now: number): void {
    if (!this.concerts.get(sub.place.concertId)?.has(sub)) return;
    if (state.status === 'GONE') {
      this.send(sub, 'expired', 'EXPIRED:0', { tokenId: sub.claims.tokenId, status: 'EXPIRED' });
      return this.close(sub);
    }
    const position = shownPosition(state);
    const { admitPerSecond, idleMs } = this.places.settings;
    // Far back, the stream is looked at again in a few seconds (often enough to keep the fan
    // seen within every liveness window); near the front, every interval.
    if (position > Math.max(100, admitPerSecond * 10))
      sub.nextAtMs = now + Math.min(FAR_BACK_EVERY_MS, idleMs / 4);
    sub.shownSoldOut = state.status === 'SOLD_OUT';
    const id = `${state.status}:${position}`;
    if (id === sub.last) return;
    const view = placeViewOf(sub.claims, state, admitPerSecond);
    if (state.status === 'ACTIVE') {
      this.send(sub, 'active', id, view);
      return this.close(sub);
    }
    // Sold out: the stream stays open, seats may come back (a hold that ends unpaid).
    this.send(sub, state.status === 'SOLD_OUT' ? 'sold-out' : 'position', id, view);
  }

  private send(sub: Subscriber, event: string, id: string, data: unknown): void {
    sub.last = id;
    writeEvent(sub.res, `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private close(sub: Subscriber): void {
    this.forget(sub);
    sub.res.end();
  }

  private forget(sub: Subscriber): void {
    const streams = this.concerts.get(sub.place.concertId);
    if (streams?.delete(sub) && streams.size === 0) this.concerts.delete(sub.place.concertId);
  }

  /** Ends every stream (shutdown): clients reconnect to another instance and keep their place. */
  async stop(): Promise<void> {
    await this.refresher.stop();
    for (const streams of this.concerts.values()) for (const sub of streams) sub.res.end();
    this.concerts.clear();
  }
}

/**
 * One event, framed as a chunk of the response and written to its socket at once. `res.write`
 * corks the socket until the next tick: an interval's events for thousands of streams were then
 * all held in memory together, long enough to outlive young-generation collections (promoted,
 * then collected by full ones: most of the process's collector time).
 */
function writeEvent(res: ServerResponse, text: string): void {
  const socket = res.socket;
  if (res.writableEnded || socket?.destroyed) return;
  // No socket yet: queued behind a pipelined response, which `res` writes out first. HTTP/1.0:
  // the body ends with the connection, no chunks.
  if (!socket || !res.chunkedEncoding) res.write(text);
  else socket.write(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
}
