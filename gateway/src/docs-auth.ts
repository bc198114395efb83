import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeProblem } from '@ticketing/platform';

/** Where Swagger UI on /docs asks for an access token: this gateway, same origin. */
export const DOCS_TOKEN_PATH = '/docs/oauth/token';

/**
 * The token request of Swagger UI's "Authorize" dialog, passed to the identity provider. Swagger
 * UI sends OAuth2 client credentials as HTTP Basic; API.md's provider takes them in the form
 * (`client_secret_post`), so they move there. Same origin as the page, so no CORS is involved,
 * and it works wherever the gateway can reach the provider (compose, Kubernetes).
 */
export class DocsTokenProxy {
  private tokenEndpoint?: Promise<string>;

  constructor(private readonly issuer: string) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST')
      return writeProblem(res, 'METHOD_NOT_ALLOWED', `${DOCS_TOKEN_PATH} takes POST`);
    const form = new URLSearchParams(await readText(req, 8192));
    const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
    if (basic) {
      // Swagger UI joins them as they are typed (no form-encoding first).
      const [id, ...secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      form.set('client_id', id ?? '');
      form.set('client_secret', secret.join(':'));
    }
    let answer: Response;
    try {
      answer = await fetch(await this.endpoint(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        signal: AbortSignal.timeout(5000),
      });
    } catch {
      this.tokenEndpoint = undefined; // discover again next time
      return writeProblem(res, 'UPSTREAM_UNAVAILABLE', 'the identity provider did not answer');
    }
    const body = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
      'content-length': body.length,
      'cache-control': 'no-store',
    });
    res.end(body);
  }

  private endpoint(): Promise<string> {
    this.tokenEndpoint ??= (async () => {
      const res = await fetch(`${this.issuer}/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(5000),
      });
      const doc = (await res.json()) as { token_endpoint?: string };
      if (!doc.token_endpoint) throw new Error('no token_endpoint in discovery');
      return doc.token_endpoint;
    })();
    return this.tokenEndpoint;
  }
}

async function readText(req: IncomingMessage, limit: number): Promise<string> {
  let text = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    if (text.length > limit) break;
  }
  return text;
}
