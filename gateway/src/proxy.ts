import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import {
  backoffDelay,
  CLIENT_IDLE_CONNECTION_MS,
  writeProblem,
  type Logger,
} from '@ticketing/platform';
import { BodyTooLarge, HeldAnswer, readBody } from './proxy-bodies';
import { forwardedHeaders } from './proxy-headers';
import { nextAfter, safeToRepeat, type Failure } from './retry-rule';
import { isEventStream, withoutStrayCredentials, type ServiceName } from './routes';
import type { TrustedProxies } from './trusted-proxies';
import type { UpstreamPool } from './upstream-pool';

// The request never reached a process: any method may go to the next instance.
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

type Attempt = 'answered' | Failure;

export interface ProxyOptions {
  timeoutMs: number;
  /**
   * How long a request waits for an instance while none can take it (every instance refusing
   * connections, or answering 503 to a request safe to repeat): a restart, a failover. Then 503
   * with Retry-After.
   */
  holdMs: number;
  maxBodyBytes: number;
  logger: Logger;
  /** Whose X-Forwarded-For and X-Forwarded-Proto are believed (the ingress controller's). */
  trustedProxies: TrustedProxies;
}

/**
 * Forwards a request to one instance of the service that owns its path. The body is read
 * first (it is small: the services accept 16 kB) so the request can go to another instance
 * when the first one fails it (retry-rule.ts says when). An answer reaches the client whole, so
 * an instance that breaks in the middle of one never cuts the client's connection; event streams
 * reach it event by event.
 */
export class ReverseProxy {
  // As many idle sockets kept as may be open: Node keeps 256 by default and closes the rest, so a
  // burst above 256 in flight reconnected on every request after it (a connect and a close each).
  // An idle socket is closed after CLIENT_IDLE_CONNECTION_MS, never sent on again: a stopping
  // instance closes its idle connections only once they are older than that (ConnectionDrain),
  // so a request never meets a connection closing under it.
  private readonly agent = new http.Agent({
    keepAlive: true,
    maxSockets: 1024,
    maxFreeSockets: 1024,
    timeout: CLIENT_IDLE_CONNECTION_MS,
  });
  // An event stream holds its upstream socket as long as the fan listens: streams are not drawn
  // from the pooled sockets (they would take every one), and as many as descriptors allow.
  private readonly streams = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  private readonly targets = new Map<string, URL>();

  constructor(
    private readonly pools: Record<ServiceName, UpstreamPool>,
    private readonly options: ProxyOptions,
  ) {}

  /** `identityProof`: the seal on the identity the gateway verified for this request, if any. */
  async forward(
    req: IncomingMessage,
    res: ServerResponse,
    service: ServiceName,
    requestId: string,
    identityProof?: string,
  ): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req, this.options.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        writeProblem(
          res,
          'PAYLOAD_TOO_LARGE',
          `body: larger than ${this.options.maxBodyBytes} bytes`,
        );
      }
      return; // otherwise the client went away while sending
    }
    const pool = this.pools[service];
    const safe = safeToRepeat(req.method, req.headers['idempotency-key']);
    const holdUntil = Date.now() + this.options.holdMs;
    let reported = false;
    let clientGone = false;
    res.once('close', () => (clientGone = true));
    for (let round = 1; ; round++) {
      for (const url of pool.order()) {
        // Past the hold, an instance's 503 is the answer the client gets.
        const retryUnavailable =
          nextAfter('unavailable', safe) === 'try-next' && Date.now() < holdUntil;
        const outcome = await this.attempt(url, req, res, body, requestId, identityProof, {
          retryUnavailable,
        });
        if (outcome === 'answered') return pool.markUp(url);
        if (outcome === 'not-connected') pool.markDown(url);
        // One line per request, not one per attempt of a hold.
        if (!reported && outcome !== 'client-gone')
          this.options.logger.warn(
            { target: service, upstream: url, outcome },
            'upstream instance failed',
          );
        reported = true;
        switch (nextAfter(outcome, safe)) {
          case 'give-up':
            return;
          case 'answer-504':
            return writeProblem(
              res,
              'UPSTREAM_TIMEOUT',
              `the ${service} service did not answer in time`,
            );
          case 'answer-502':
            // It may have been processed: repeating it could do it twice (ADR 0005).
            return writeProblem(
              res,
              'UPSTREAM_UNAVAILABLE',
              `the ${service} service did not answer`,
            );
          case 'pass-on': // never after a failed try: a 503 passed on came back as 'answered'
          case 'try-next':
            continue;
        }
      }
      const step = backoffDelay(round, { firstMs: HOLD_STEP_MS, maxMs: HOLD_STEP_MAX_MS });
      const wait = Math.min(step, holdUntil - Date.now());
      if (wait <= 0) break;
      await new Promise((r) => setTimeout(r, wait));
      if (clientGone) return; // the client gave up while held
    }
    // Whatever was tried again was either never done or safe to repeat: so may the client.
    writeProblem(res, 'SERVICE_UNAVAILABLE', `no instance of the ${service} service is available`, {
      'retry-after': String(RETRY_AFTER_SECONDS),
    });
  }

  /**
   * One try at one instance. An ordinary answer is read whole before any of it goes to the
   * client: an instance that breaks halfway through its answer then costs a try, not a cut
   * connection, and the rule decides what the client gets. An event stream goes on as it comes
   * (a cut is how a stream ends, and its client reconnects), as does an answer too long to hold.
   */
  private attempt(
    base: string,
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    requestId: string,
    identityProof: string | undefined,
    options: { retryUnavailable: boolean },
  ): Promise<Attempt> {
    // Event streams stay open as long as the client listens, and reach it per event.
    const eventStream = isEventStream(req.url ?? '');
    return new Promise((done) => {
      let settled = false;
      // Some of the answer went to the client: from then on, a break reaches it.
      let relaying = false;
      let timedOut = false;
      // A client that leaves (closing an event stream, giving up) releases the upstream too;
      // the listener goes with an attempt that did not answer (a held request makes many).
      const onClientGone = () => {
        if (!res.writableFinished) upstream.destroy();
      };
      const settle = (outcome: Attempt) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (outcome !== 'answered') res.off('close', onClientGone);
        done(outcome);
      };
      const relay = () => {
        relaying = true;
        settle('answered');
      };
      /** The connection broke or was destroyed: before the answer, or in the middle of it. */
      const failed = (answerStarted: boolean, err?: NodeJS.ErrnoException) => {
        if (relaying) return void res.destroy(); // the client sees the answer end there
        if (res.destroyed) return settle('client-gone');
        if (timedOut) return settle('timed-out');
        if (answerStarted) return settle('broken'); // it was running the request
        if (NOT_CONNECTED.has(err?.code ?? '')) return settle('not-connected');
        settle(upstream.reusedSocket && err && resetUnread(err) ? 'reset-unread' : 'broken');
      };
      const target = this.targetOf(base);
      const upstream = http.request(
        {
          agent: eventStream ? this.streams : this.agent,
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          // A stream ticket goes to the event stream only, never with another request.
          path: withoutStrayCredentials(req.url ?? '/'),
          headers: forwardedHeaders(
            req,
            body.length,
            requestId,
            this.options.trustedProxies,
            identityProof,
          ),
        },
        (answer) => {
          answer.on('error', () => undefined); // 'close' says what it came to
          answer.on('close', () => {
            if (!answer.complete) failed(true);
          });
          // An event stream too: a 503 comes before any event, and an EventSource that meets
          // one closes for good (a rehearsal's fans lost their streams in a Redis failover).
          if (answer.statusCode === 503 && options.retryUnavailable) {
            // Drained, so the kept-alive socket serves the next request.
            answer.on('end', () => settle('unavailable')).resume();
            return;
          }
          const held = new HeldAnswer(answer, res);
          if (eventStream) {
            relay();
            return held.streamOn();
          }
          answer.on('data', (chunk: Buffer) => {
            if (relaying || !held.add(chunk)) return;
            relay(); // too long to hold: what came so far, then the rest as it comes
            held.streamOn();
          });
          answer.on('end', () => {
            if (relaying) return;
            if (res.destroyed) return settle('client-gone');
            relay();
            held.send(req.method);
          });
        },
      );
      const timer = eventStream
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            upstream.destroy(new UpstreamTimeout());
          }, this.options.timeoutMs);
      upstream.on('error', (err: NodeJS.ErrnoException) => failed(false, err));
      res.on('close', onClientGone);
      upstream.end(body);
    });
  }

  /** An instance's URL, parsed once. */
  private targetOf(base: string): URL {
    let target = this.targets.get(base);
    if (!target) this.targets.set(base, (target = new URL(base)));
    return target;
  }

  close(): void {
    this.agent.destroy();
    this.streams.destroy();
  }
}

class UpstreamTimeout extends Error {}

/** A held request tries the instances again after 100 ms, then 200, 400 … at most every second. */
const HOLD_STEP_MS = 100;
const HOLD_STEP_MAX_MS = 1000;
const RETRY_AFTER_SECONDS = 1;

/**
 * The instance reset a kept-alive connection (a RST, seen by a read or a write) before any answer:
 * a socket is reset when its process closes it with bytes unread or bytes arrive after it closed
 * — here the request itself, so no handler ran it and any method may go to the next instance.
 * That is the race of an instance closing its idle connections as it stops while the gateway
 * sends on one. A plain close without an answer ("socket hang up", no syscall) stays ambiguous:
 * the request may have been read and run before the process went away.
 */
function resetUnread(err: NodeJS.ErrnoException): boolean {
  return (err.code === 'ECONNRESET' || err.code === 'EPIPE') && err.syscall !== undefined;
}
