import http from 'node:http';
import type { Recorder } from './recorder';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface CallOptions {
  /** The step the call belongs to, as the report names it ("join", "poll", "hold"…). */
  step: string;
  bearer?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** How long the call may take before it counts as unanswered (599). */
  timeoutMs?: number;
}

// Enough sockets for every call in flight at the rush, far below the ephemeral ports.
const MAX_SOCKETS = 2048;
// An idle connection is closed after this, well before the gateway closes it (65 s): a request
// sent on one the server is closing meets a reset that proves nothing either way.
const IDLE_CONNECTION_MS = 30_000;
// Longer than the gateway's own limits (a hold, then an instance's answer): what a fan sees is
// the system's answer, not this client giving up first.
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * The fans' HTTP client: every call goes through the gateway, as fans' apps call it, and is
 * recorded as the fan saw it (its status, 599 when no answer came, and its latency). One agent
 * with kept-alive sockets for the whole crowd, spread over the gateway's instances.
 */
export class FanClient {
  private readonly agent = new http.Agent({
    keepAlive: true,
    maxSockets: MAX_SOCKETS,
    maxFreeSockets: MAX_SOCKETS,
    timeout: IDLE_CONNECTION_MS,
  });
  private readonly targets: URL[];
  private turn = 0;

  /** `gatewayUrls`: every gateway instance; calls take them in turn, as a load balancer does. */
  constructor(
    gatewayUrls: string | string[],
    private readonly recorder: Recorder,
  ) {
    this.targets = [gatewayUrls].flat().map((url) => new URL(url));
  }

  /** The next gateway instance in turn. */
  private get target(): URL {
    return this.targets[this.turn++ % this.targets.length]!;
  }

  async call(method: string, path: string, options: CallOptions): Promise<Answer> {
    const started = performance.now();
    const safe = method === 'GET' || options.headers?.['idempotency-key'] !== undefined;
    let answer = await this.send(method, path, options);
    // A kept-alive connection reset before any answer: as a browser does, a request safe to
    // repeat is sent once more (RFC 9112 §9.3.1: the server may have closed it as idle).
    if (safe && answer.resetOnReuse) answer = await this.send(method, path, options);
    this.recorder.call({
      step: options.step,
      status: answer.status,
      safe,
      ms: performance.now() - started,
      ...(answer.status === 599 && { cause: String(answer.body.cause) }),
    });
    return answer;
  }

  /**
   * An event stream (`GET …/events`): each event's name and data as it comes; resolves when the
   * stream ends (the server closed it, or `stop` was called).
   */
  stream(
    path: string,
    bearer: string,
    onEvent: (event: string, data: Record<string, unknown>) => void,
    step = 'stream',
  ): { ended: Promise<number>; stop(): void } {
    let request: http.ClientRequest | undefined;
    const started = performance.now();
    const target = this.target;
    const ended = new Promise<number>((resolve) => {
      request = http.request(
        {
          host: target.hostname,
          port: target.port,
          path,
          agent: false,
          headers: { authorization: `Bearer ${bearer}`, accept: 'text/event-stream' },
        },
        (res) => {
          this.recorder.call({
            step,
            status: res.statusCode ?? 599,
            safe: true,
            ms: performance.now() - started,
          });
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const event = /^event: (.*)$/m.exec(block)?.[1];
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (event && data) onEvent(event, JSON.parse(data) as Record<string, unknown>);
            }
          });
          res.on('end', () => resolve(res.statusCode ?? 599));
          res.on('error', () => resolve(599));
        },
      );
      request.on('error', () => resolve(599));
      request.end();
    });
    return { ended, stop: () => request?.destroy() };
  }

  close(): void {
    this.agent.destroy();
  }

  private send(
    method: string,
    path: string,
    options: CallOptions,
  ): Promise<Answer & { resetOnReuse?: boolean }> {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const target = this.target;
    return new Promise((resolve) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          method,
          path,
          agent: this.agent,
          timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          headers: {
            ...(options.bearer && { authorization: `Bearer ${options.bearer}` }),
            ...(body !== undefined && {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            }),
            ...options.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Record<string, unknown> = {};
            try {
              parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
            } catch {
              parsed = { text };
            }
            resolve({ status: res.statusCode ?? 599, headers: res.headers, body: parsed });
          });
          res.on('error', (err: NodeJS.ErrnoException) =>
            resolve({ status: 599, headers: {}, body: { cause: err.code ?? err.message } }),
          );
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })),
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        resolve({
          status: 599,
          headers: {},
          body: { cause: err.code ?? err.message },
          resetOnReuse: req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE'),
        }),
      );
      req.end(body);
    });
  }
}
