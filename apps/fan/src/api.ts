import { announce } from './dom';

/** What the gateway's /config.json (or the page's host) says. */
export interface AppConfig {
  /** The API's origin; '' when the page is served by the gateway itself. */
  apiUrl: string;
  issuer: string;
  clientId: string;
  authorizationParams: Record<string, string>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.detail ?? code));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAX_TRIES = 4;

/**
 * One JSON call to the API with a bearer token. A 429 never reached a service (the gateway
 * refuses before forwarding), so it is tried again after Retry-After, telling the fan meanwhile.
 */
export async function call<T = Record<string, unknown>>(
  config: AppConfig,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${config.apiUrl}${path}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (res.status === 429 && attempt < MAX_TRIES) {
      const wait = Math.max(1, Number(res.headers.get('retry-after')) || 1);
      announce(`Lots of people are buying right now. Trying again in ${wait} s…`);
      await sleep(wait * 1000);
      continue;
    }
    if (res.status >= 400)
      throw new ApiError(res.status, String(parsed.code ?? res.status), parsed);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
}
