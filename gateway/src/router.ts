import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nameActiveSpan, writeProblem } from '@ticketing/platform';
import type { Registry } from 'prom-client';
import { API_DOCUMENT_PATH, DOCS_PAGE, sendApiDocument, sendAsset } from './docs';
import { DOCS_TOKEN_PATH, type DocsTokenProxy } from './docs-auth';
import { EVENTS_DOCS_PATH, EVENTS_PAGE, sendEventsFile } from './events-docs';
import type { CorsPolicy } from './cors';
import type { FanApp } from './fan-app';
import { checkHealth } from './health';
import type { GatewayMetrics } from './metrics';
import type { ReverseProxy } from './proxy';
import { rateLimitHeaders, type RateLimiter, type Verdict } from './rate-limit';
import { isEventStream, serviceFor, type ServiceName } from './routes';
import type { UpstreamPool } from './upstream-pool';

const REQUEST_ID = /^[\w.:-]{1,128}$/;
// A client at its cap of open streams tries again after this (or polls meanwhile).
const STREAM_RETRY_SECONDS = 5;

export interface RouterParts {
  pools: Record<ServiceName, UpstreamPool>;
  proxy: ReverseProxy;
  docsTokens: DocsTokenProxy;
  metrics: GatewayMetrics;
  registry: Registry;
  /** Per-client budgets; none when GATEWAY_RATE_LIMIT is off. */
  limiter?: RateLimiter;
  streamsPerClient: number;
  /** Which web origins may read the answers (none: same-origin pages only). */
  cors: CorsPolicy;
  /** The reference fan app at `/`, when built. */
  fanApp?: FanApp;
}

type Page = (res: ServerResponse) => Promise<void> | void;

/**
 * Where a request goes: a service's public path to one of its instances (within the client's
 * budget), the docs' token exchange to the OpenID provider, and the gateway's own pages
 * (health, metrics, docs) by exact path, then by prefix.
 */
export class GatewayRouter {
  private readonly pages: ReadonlyMap<string, Page>;

  constructor(private readonly parts: RouterParts) {
    const html = (page: string) => (res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    };
    const health = async (res: ServerResponse) => {
      const report = await checkHealth(parts.pools);
      sendJson(res, report.status === 'down' ? 503 : 200, report);
    };
    this.pages = new Map<string, Page>([
      ['/health', health],
      ['/health/ready', health],
      ['/health/live', (res) => sendJson(res, 200, { status: 'ok' })],
      ['/metrics', (res) => this.sendMetrics(res)],
      ['/docs', html(DOCS_PAGE)],
      ['/docs/', html(DOCS_PAGE)],
      [API_DOCUMENT_PATH, sendApiDocument],
      [EVENTS_DOCS_PATH, html(EVENTS_PAGE)],
      [`${EVENTS_DOCS_PATH}/`, html(EVENTS_PAGE)],
    ]);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const incoming = req.headers['x-request-id'];
    const requestId =
      typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    if (this.parts.cors.handle(req, res)) return; // a preflight, answered here
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const service = serviceFor(path);
    if (service) return this.toService(req, res, service, path, requestId);
    if (path === DOCS_TOKEN_PATH) {
      // The provider behind it is spared a flood too: a token request is a write.
      if (this.spent(res, await this.parts.limiter?.check(req, path))) return;
      return this.parts.docsTokens.handle(req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return writeProblem(res, 'NOT_FOUND', `no route for ${req.method} ${path}`);
    const page = this.pages.get(path);
    if (page) return page(res);
    if (this.parts.fanApp && (await this.parts.fanApp.send(res, path))) return;
    if (await this.sendDocsFile(res, path)) return;
    writeProblem(res, 'NOT_FOUND', `no route for GET ${path}`);
  }

  private async toService(
    req: IncomingMessage,
    res: ServerResponse,
    service: ServiceName,
    path: string,
    requestId: string,
  ): Promise<void> {
    const { limiter, metrics } = this.parts;
    nameActiveSpan(`${req.method} ${service}`, { 'ticketing.service': service });
    if (this.spent(res, await limiter?.check(req, path))) {
      metrics.requests.inc({ service, status: '429' });
      return;
    }
    if (limiter && isEventStream(path)) {
      const slot = await limiter.streamSlot(req);
      if (!slot) {
        metrics.requests.inc({ service, status: '429' });
        return writeProblem(
          res,
          'RATE_LIMITED',
          `this client already holds ${this.parts.streamsPerClient} open event streams; close one or poll`,
          { 'retry-after': String(STREAM_RETRY_SECONDS) },
        );
      }
      res.once('close', slot);
    }
    const end = metrics.duration.startTimer({ service });
    res.once('close', () => metrics.requests.inc({ service, status: String(res.statusCode) }));
    await this.parts.proxy.forward(req, res, service, requestId, limiter?.identityProofOf(req));
    end();
  }

  /**
   * Announces the budget the request spent (RateLimit, RateLimit-Policy) on whatever answers it;
   * true when it was refused, answered here with 429.
   */
  private spent(res: ServerResponse, verdict: Verdict | undefined): boolean {
    if (!verdict) return false;
    const headers = rateLimitHeaders(verdict, this.parts.limiter!.budget(verdict.budget));
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (verdict.waitSeconds === undefined) return false;
    rateLimited(res, verdict.waitSeconds);
    return true;
  }

  /** The events' files and the docs' assets: true when sent. */
  private async sendDocsFile(res: ServerResponse, path: string): Promise<boolean> {
    if (
      path.startsWith(`${EVENTS_DOCS_PATH}/`) &&
      (await sendEventsFile(res, path.slice(EVENTS_DOCS_PATH.length + 1)))
    )
      return true;
    return path.startsWith('/docs/') && sendAsset(res, path.slice('/docs/'.length));
  }

  private async sendMetrics(res: ServerResponse): Promise<void> {
    const text = await this.parts.registry.metrics();
    res.writeHead(200, { 'content-type': this.parts.registry.contentType });
    res.end(text);
  }
}

function rateLimited(res: ServerResponse, waitSeconds: number): void {
  writeProblem(
    res,
    'RATE_LIMITED',
    `too many requests from this client; try again in ${waitSeconds} s`,
    { 'retry-after': String(waitSeconds) },
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
