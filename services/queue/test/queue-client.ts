import { identityToken, metricValue } from '@ticketing/testing';
import type { ServiceHandle } from '@ticketing/platform';

// The queue's HTTP API as a fan's client calls it: joins, polls, stream tickets, events.

/** A sample of an instance's metric for one concert (0 before it is first counted). */
export const concertMetric = (queue: ServiceHandle, name: string, concertId: number) =>
  metricValue(queue.url, name, { concert: String(concertId) });

export interface TokenBody {
  token: string;
  tokenId: string;
  userId: string;
  concertId: number;
  status: 'WAITING' | 'ACTIVE';
  position: number;
  estimatedWaitSeconds: number | null;
  expiresAt: string;
}

/** Joins as `userId`, with that user's identity token from the real development provider. */
export async function join(baseUrl: string, userId: string, concertId: number) {
  return joinWith(baseUrl, await identityToken(userId), { concertId });
}

export async function joinWith(baseUrl: string, identity: string | undefined, body: unknown) {
  const res = await fetch(`${baseUrl}/queue/tokens`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(identity && { authorization: `Bearer ${identity}` }),
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as TokenBody & { code?: string },
  };
}

/** A stream ticket bought with `pass` (POST /queue/tokens/me/stream-ticket). */
export async function buyStreamTicket(baseUrl: string, pass: string) {
  const res = await fetch(`${baseUrl}/queue/tokens/me/stream-ticket`, {
    method: 'POST',
    headers: { authorization: `Bearer ${pass}` },
  });
  return {
    status: res.status,
    cacheControl: res.headers.get('cache-control'),
    body: (await res.json()) as { ticket: string; url: string; expiresAt: string },
  };
}

export async function poll(baseUrl: string, token: string) {
  const res = await fetch(`${baseUrl}/queue/tokens/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as TokenBody & { code?: string },
  };
}

export interface SseEvent {
  event: string;
  id?: string;
  data: Record<string, unknown>;
}

/** Reads a text/event-stream into parsed events until it ends. */
export async function readEvents(res: Response, into: SseEvent[]): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data)
        into.push({ event, ...(id && { id }), data: JSON.parse(data) as Record<string, unknown> });
    }
  }
}
