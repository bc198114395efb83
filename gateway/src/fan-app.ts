import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { z } from 'zod';

/** Where `npm run build` puts the reference fan app (apps/fan), seen from gateway/dist/src. */
export const DEFAULT_FAN_APP_DIR = path.resolve(__dirname, '../../../apps/fan/dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/** What the app reads at `/config.json`: where the API and the OpenID provider are. */
export interface FanAppSettings {
  /** The API's origin; '' (the default) when the gateway serves the app itself. */
  apiUrl?: string;
  /** The OpenID provider's issuer as the browser reaches it. */
  issuer: string;
  /** The app's public client at that provider (authorization code with PKCE, no secret). */
  clientId: string;
  /** Extra authorization request parameters a provider wants (`audience`, `resource`). */
  authorizationParams: Record<string, string>;
}

/** FAN_APP_AUTHORIZATION_PARAMS: a JSON object of strings, e.g. `{"audience":"ticketing"}`. */
export const authorizationParamsEnv = () =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z
      .string()
      .default('{}')
      .transform((v, ctx) => {
        try {
          return z.record(z.string(), z.string()).parse(JSON.parse(v));
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object of strings' });
          return z.NEVER;
        }
      }),
  );

/**
 * The reference fan app (apps/fan) served at `/` from its built files: `index.html` (never cached
 * stale: `no-cache`), its content-hashed assets (cached for a year), and `/config.json`, made from
 * the gateway's configuration. The files are listed once at start; nothing else on disk is served.
 */
export class FanApp {
  private readonly files = new Map<string, string>();
  private readonly config: string;
  private readonly policy: string;

  constructor(dir: string, settings: FanAppSettings) {
    for (const name of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      const file = path.join(dir, name);
      if (fs.statSync(file).isFile() && TYPES[path.extname(name)])
        this.files.set(`/${name.split(path.sep).join('/')}`, file);
    }
    if (!this.files.has('/index.html')) throw new Error(`${dir} holds no index.html`);
    const apiUrl = settings.apiUrl ?? '';
    this.config = JSON.stringify({ ...settings, apiUrl });
    // The page talks to this origin and to the provider (discovery, token); nothing inline runs.
    this.policy = [
      "default-src 'self'",
      `connect-src 'self' ${apiUrl && `${new URL(apiUrl).origin} `}${new URL(settings.issuer).origin}`,
      "img-src 'self' data:",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'self'",
    ].join('; ');
  }

  /** Sends the file `urlPath` names: false when the app has none. */
  async send(res: ServerResponse, urlPath: string): Promise<boolean> {
    if (urlPath === '/config.json') {
      res.writeHead(200, {
        'content-type': TYPES['.json']!,
        'cache-control': 'no-cache',
        'content-length': Buffer.byteLength(this.config),
      });
      res.end(this.config);
      return true;
    }
    const name = urlPath === '/' ? '/index.html' : urlPath;
    const file = this.files.get(name);
    if (!file) return false;
    const content = await readFile(file);
    const hashed = name.startsWith('/assets/');
    res.writeHead(200, {
      'content-type': TYPES[path.extname(name)]!,
      'content-length': content.length,
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...(name.endsWith('.html') && { 'content-security-policy': this.policy }),
    });
    res.end(content);
    return true;
  }
}
