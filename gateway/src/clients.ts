import type { IncomingMessage } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { IdentityVerifier } from '@ticketing/auth';
import {
  PASS_CACHE_DEFAULT_ENTRIES,
  STREAM_TICKET_PARAM,
  claimedCredential,
  type PassVerifier,
} from '@ticketing/queue-pass';
import { takesStreamTicket } from './routes';
import type { TrustedProxies } from './trusted-proxies';

/**
 * Who is calling, for the budgets: the `sub` of a bearer token whose signature verifies (an
 * identity token against the provider's keys, a queue pass against the queue's secret), else
 * the client's address (behind trusted proxies, the right-most X-Forwarded-For hop they did not
 * write themselves). A token
 * that does not verify names nobody: a bot inventing a new `sub` per request spends the budget
 * of its address, not a fresh one each time.
 */
export class ClientIdentifier {
  /** Least recently used first out when full; each pass until its own `exp`. */
  private readonly passes: LRUCache<string, string>;
  /** The seal on the identity verified for a request, for the service it goes to (ADR 0019). */
  private readonly proofs = new WeakMap<IncomingMessage, string>();

  constructor(
    private readonly verifiers: {
      identity: IdentityVerifier;
      passes: PassVerifier;
      /** Stream tickets (ADR 0026): an EventSource's stream is its fan's, like the pass's. */
      streamTickets: PassVerifier;
    },
    private readonly proxies: TrustedProxies,
    /** Passes verified here, remembered until their own expiry (a fan sends the same one). */
    passCacheEntries = PASS_CACHE_DEFAULT_ENTRIES,
  ) {
    this.passes = new LRUCache({ max: passCacheEntries });
  }

  async clientOf(req: IncomingMessage): Promise<string> {
    const sub = await this.verifiedSub(req);
    return sub ? `sub:${sub}` : `ip:${this.proxies.clientAddress(req)}`;
  }

  /**
   * The seal for IDENTITY_PROOF_HEADER when this request's identity token was verified here
   * (and IDENTITY_PROOF_KEY is set): the service takes it instead of checking the token again.
   */
  proofOf(req: IncomingMessage): string | undefined {
    return this.proofs.get(req);
  }

  private async verifiedSub(req: IncomingMessage): Promise<string | undefined> {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!token) return takesStreamTicket(req.url ?? '') ? this.ticketSub(req) : undefined;
    try {
      if (claimedCredential(token) === 'queue-pass') return await this.passSub(token);
      const { identity, expMs } = await this.verifiers.identity.verifyWithExpiry(token);
      const seals = this.verifiers.identity.proofs;
      if (seals) this.proofs.set(req, seals.seal(identity, expMs, token));
      return identity.userId;
    } catch {
      return undefined; // forged, expired, malformed, or the provider not reached yet
    }
  }

  /**
   * The `sub` of a verified stream ticket in the query string of the event stream's URL, if
   * there is one (a ticket anywhere else names nobody: ADR 0026).
   */
  private async ticketSub(req: IncomingMessage): Promise<string | undefined> {
    const url = req.url ?? '';
    const at = url.indexOf('?');
    if (at < 0) return undefined;
    const ticket = new URLSearchParams(url.slice(at + 1)).get(STREAM_TICKET_PARAM);
    if (!ticket) return undefined;
    try {
      return (await this.verifiers.streamTickets.verify(ticket)).userId;
    } catch {
      return undefined;
    }
  }

  private async passSub(token: string): Promise<string> {
    const known = this.passes.get(token);
    if (known) return known;
    const { claims, expiresAtMs } = await this.verifiers.passes.verifyWithExpiry(token);
    const ttl = expiresAtMs - Date.now();
    if (ttl > 0) this.passes.set(token, claims.userId, { ttl });
    return claims.userId;
  }
}
