/**
 * The headers a request and an answer keep through the gateway, and the ones the gateway writes
 * itself (where the request came from, its id, the identity it verified).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { IDENTITY_PROOF_HEADER } from '@ticketing/auth';
import type { TrustedProxies } from './trusted-proxies';

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
export function forwardedHeaders(
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
export function responseHeaders(headers: IncomingHttpHeaders, res: ServerResponse) {
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
