import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';

/** One entry of GATEWAY_TRUSTED_PROXIES: an address or a CIDR range, IPv4 or IPv6. */
function parseEntry(entry: string): { address: string; prefix?: number; family: 'ipv4' | 'ipv6' } {
  const [address = '', prefix] = entry.split('/');
  const version = isIP(address);
  if (version === 0) throw new Error(`"${entry}" is not an address or CIDR range`);
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefix === undefined) return { address, family };
  const bits = Number(prefix);
  if (!/^\d+$/.test(prefix) || bits > (version === 4 ? 32 : 128))
    throw new Error(`"${entry}": the prefix must be 0–${version === 4 ? 32 : 128}`);
  return { address, prefix: bits, family };
}

/** GATEWAY_TRUSTED_PROXIES: comma-separated addresses and CIDR ranges (empty: none). */
export const trustedProxiesEnv = () =>
  z
    .string()
    .default('')
    .transform((value, ctx) => {
      const entries = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      try {
        return entries.map(parseEntry);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

export type TrustedProxyList = ReturnType<ReturnType<typeof trustedProxiesEnv>['parse']>;

/**
 * The proxies in front of the gateway (the ingress controller) whose `X-Forwarded-For` is
 * believed. The client is the right-most address of the chain (socket address last) that is not
 * one of them: everything left of it was written by whoever the untrusted client is, so a caller
 * cannot pick its own address (and budget) by sending the header.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  private readonly any: boolean;

  constructor(entries: TrustedProxyList) {
    for (const e of entries) {
      if (e.prefix === undefined) this.list.addAddress(e.address, e.family);
      else this.list.addSubnet(e.address, e.prefix, e.family);
    }
    this.any = entries.length > 0;
  }

  private trusted(address: string): boolean {
    const version = isIP(address);
    if (version === 0) return false;
    if (version === 6 && address.startsWith('::ffff:') && isIP(address.slice(7)) === 4)
      return this.list.check(address.slice(7), 'ipv4'); // an IPv4 peer on a dual-stack socket
    return this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }

  /** Whether the request came straight from a trusted proxy (its forwarding headers count). */
  vouchedFor(req: IncomingMessage): boolean {
    return this.any && this.trusted(req.socket.remoteAddress ?? '');
  }

  /** The client's address, as far as the trusted proxies vouch for it. */
  clientAddress(req: IncomingMessage): string {
    const socket = req.socket.remoteAddress ?? 'unknown';
    if (!this.vouchedFor(req)) return socket;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!this.trusted(hops[i]!)) return hops[i]!;
    }
    return hops[0] ?? socket; // every hop is a trusted proxy: the farthest one
  }
}
