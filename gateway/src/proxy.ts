import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { IDENTITY_PROOF_HEADER } from '@ticketing/auth';
import { backoffDelay, writeProblem, type Logger } from '@ticketing/platform';
import { nextAfter, safeToRepeat, type Failure } from './retry-rule';
import { isEventStream, withoutStrayCredentials, type ServiceName } from './routes';
import type { TrustedProxies } from './trusted-proxies';
import type { UpstreamPool } from './upstream-pool';

// Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the ones the
// proxy sets itself.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);
// What a client writes about where a request came from is not believed: the gateway drops these
// and writes X-Forwarded-For/-Proto/-Host itself, from the socket and what trusted proxies vouch.
const FORWARDING = new Set([
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'x-original-forwarded-for',
  // Only the gateway vouches for an identity it verified (ADR 0019), never a client.
  IDENTITY_PROOF_HEADER,
]);
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

export class BodyTooLarge extends Error {}

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
  private readonly agent = new http.Agent({
    keepAlive: true,
    maxSockets: 1024,
    maxFreeSockets: 1024,
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
          if (answer.statusCode === 503 && options.retryUnavailable && !eventStream) {
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
 * An instance's answer, kept until it is whole. Answers are JSON of a page at most; one longer
 * than this goes on to the client as it comes, and a break past this point reaches the client.
 */
const HELD_ANSWER_BYTES = 1024 * 1024;

class HeldAnswer {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly answer: IncomingMessage,
    private readonly res: ServerResponse,
  ) {}

  /** Keeps a chunk; true once the answer is too long to hold. */
  add(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.size += chunk.length;
    return this.size > HELD_ANSWER_BYTES;
  }

  /** The whole answer, at once. */
  send(method: string | undefined): void {
    const headers = responseHeaders(this.answer.headers, this.res);
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    // A chunked answer is whole now: its length is known (a HEAD's describes another body).
    if (headers['content-length'] === undefined && body.length > 0 && method !== 'HEAD')
      headers['content-length'] = String(body.length);
    this.res.writeHead(this.answer.statusCode ?? 502, headers);
    this.res.end(body);
  }

  /** What was held, then the rest of the answer as it comes (an event stream: each event). */
  streamOn(): void {
    this.res.writeHead(
      this.answer.statusCode ?? 502,
      responseHeaders(this.answer.headers, this.res),
    );
    this.res.flushHeaders();
    for (const chunk of this.chunks.splice(0)) this.res.write(chunk);
    this.answer.pipe(this.res);
  }
}

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

/**
 * The request's body, whole (at most `limit` bytes). Listeners rather than `for await`: an async
 * iterator per request was a visible share of the gateway's time under a crowd of joins.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new BodyTooLarge());
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      done();
      reject(new BodyTooLarge());
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onGone = () => {
      done();
      reject(new Error('the client went away while sending'));
    };
    const done = () => {
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onGone);
    };
    req.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onGone);
  });
}

function forwardedHeaders(
  req: IncomingMessage,
  length: number,
  requestId: string,
  trustedProxies: TrustedProxies,
  identityProof: string | undefined,
) {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !FORWARDING.has(name))
      headers[name] = value;
  }
  headers['x-forwarded-for'] = trustedProxies.clientAddress(req);
  const proto = trustedProxies.vouchedFor(req) ? req.headers['x-forwarded-proto'] : undefined;
  headers['x-forwarded-proto'] = proto === 'https' ? 'https' : 'http';
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
  headers['x-request-id'] = requestId;
  if (identityProof !== undefined) headers[IDENTITY_PROOF_HEADER] = identityProof;
  if (length > 0 || !['GET', 'HEAD'].includes(req.method ?? 'GET')) {
    headers['content-length'] = String(length);
  }
  return headers;
}

/**
 * The service's headers, less the hop-by-hop ones. The gateway alone sets the CORS policy (a
 * service's Access-Control-* is dropped), and its own Vary (Origin) is kept beside the service's.
 */
function responseHeaders(headers: IncomingHttpHeaders, res: ServerResponse) {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith('access-control-')) continue;
    if (!HOP_BY_HOP.has(name) || name === 'content-length') out[name] = value;
  }
  const vary = res.getHeader('vary');
  if (vary !== undefined && out.vary !== undefined)
    out.vary = `${String(vary)}, ${String(out.vary)}`;
  return out;
}
