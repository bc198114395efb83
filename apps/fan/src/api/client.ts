import createClient, { type Client } from 'openapi-fetch';
import type { AppConfig } from '../config';
import { announce } from '../dom';
import type { paths } from '../generated/api';

/**
 * The API as the gateway's document describes it (libs/contracts/openapi.json, ADR 0039): paths,
 * parameters, bodies and answers are typed from it at build time (openapi-typescript), so a
 * change of the API that breaks this app breaks its build.
 */
export type Api = Client<paths>;

export function apiClient(config: AppConfig): Api {
  return createClient<paths>({ baseUrl: config.apiUrl, fetch: triedAgainAfter429 });
}

/** A credential (the identity or the queue pass) as the API takes it. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.detail ?? code));
  }
}

/** The answer's body; a problem (problem+json with its `code`) is thrown as an ApiError. */
export async function answer<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await pending;
  if (response.ok) return data as T;
  const problem = (typeof error === 'object' && error !== null ? error : {}) as Record<
    string,
    unknown
  >;
  throw new ApiError(response.status, String(problem.code ?? response.status), problem);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAX_TRIES = 4;

/**
 * A 429 never reached a service (the gateway refuses before forwarding), so it is tried again
 * after Retry-After, telling the fan meanwhile.
 */
async function triedAgainAfter429(request: Request): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(request.clone());
    if (response.status !== 429 || attempt >= MAX_TRIES) return response;
    const wait = Math.max(1, Number(response.headers.get('retry-after')) || 1);
    announce(`Lots of people are buying right now. Trying again in ${wait} s…`);
    await sleep(wait * 1000);
  }
}
