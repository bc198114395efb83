import { AppError, type Authenticator } from '@ticketing/platform';
import {
  InvalidTokenError,
  PASS_CACHE_DEFAULT_ENTRIES,
  STREAM_TICKET_PARAM,
  claimedCredential,
  requireAdmitted,
  type AdmissionSource,
  type PassVerifier,
  type QueuePass,
  type QueueTokenClaims,
} from '@ticketing/queue-pass';
import type { IncomingHttpHeaders } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { Identity } from './caller-identity';
import type { IdentityVerifier } from './identity';
import { IDENTITY_PROOF_HEADER } from './identity-proof';

/** Whoever calls: a verified identity, or a queue pass (which carries its holder's `sub`). */
export type Caller = Identity | QueuePass;

/** The OpenAPI security scheme names of the two credentials. */
export const SCHEMES = {
  identity: 'identity',
  queuePass: 'queuePass',
  streamTicket: 'streamTicket',
} as const;

const BEARER = /^Bearer ([A-Za-z0-9_\-.]+)$/;

export function bearerToken(headers: IncomingHttpHeaders): string {
  const header = headers.authorization;
  if (!header)
    throw AppError.unauthorized('TOKEN_MISSING', 'Authorization: Bearer <token> is required');
  const match = BEARER.exec(header.trim());
  if (!match)
    throw AppError.unauthorized('TOKEN_INVALID', 'Authorization must be "Bearer <token>"');
  return match[1]!;
}

/** Which credential a token claims to be (unverified: verification follows). */
function claimedKindOf(token: string): 'queue-pass' | 'identity' {
  const kind = claimedCredential(token);
  if (!kind) throw AppError.unauthorized('TOKEN_INVALID', 'the bearer token is not a JWT');
  return kind;
}

const wrongKind = (needed: string) =>
  AppError.unauthorized('TOKEN_INVALID', `this call needs ${needed}`);

/** A verified pass's or stream ticket's claims, with when it expires (its `exp`, in ms). */
export type PassClaims = QueueTokenClaims & { expiresAtMs: number };

/**
 * The authenticators a service's routes declare. Each answers 401 for a missing, malformed,
 * forged, expired or spent credential, and for a credential of the wrong kind (API.md: an
 * identity token on a queue-gated path, a queue pass on an identity path).
 */
export class Credentials {
  /**
   * A pass's signature is checked once and remembered until its own `exp` (a fan sends the same
   * pass with every call); its admission is looked up every time, from memory or Redis. Least
   * recently used passes go first when it is full.
   */
  private readonly verifiedPasses: LRUCache<string, PassClaims>;

  constructor(
    private readonly parts: {
      identity?: IdentityVerifier;
      passes?: PassVerifier;
      admissions?: AdmissionSource;
      /** The queue service's: stream tickets (PassVerifier with STREAM_TICKET_ISSUER). */
      streamTickets?: PassVerifier;
      /** The most verified passes remembered (QUEUE_PASS_CACHE_ENTRIES). */
      passCacheEntries?: number;
    },
  ) {
    this.verifiedPasses = new LRUCache({
      max: parts.passCacheEntries ?? PASS_CACHE_DEFAULT_ENTRIES,
    });
  }

  /** The caller's OpenID Connect identity. */
  readonly identity: Authenticator<Identity> = {
    schemes: [SCHEMES.identity],
    authenticate: async (headers) => {
      const token = bearerToken(headers);
      // The gateway seals only identity tokens it verified: a seal that opens needs no decoding.
      const vouched = this.vouchedFor(token, headers);
      if (vouched) return vouched;
      if (this.kindOf(token) !== 'identity') throw wrongKind('an identity token, not a queue pass');
      return this.verifyIdentity(token);
    },
  };

  /** A live queue pass (ACTIVE or WAITING; admission is the handler's to require). */
  readonly queuePass: Authenticator<QueuePass> = {
    schemes: [SCHEMES.queuePass],
    authenticate: async (headers) => {
      const token = bearerToken(headers);
      if (this.kindOf(token) !== 'queue-pass')
        throw wrongKind('a queue pass, not an identity token');
      return this.verifyPass(token);
    },
  };

  /**
   * A validly signed, unexpired queue pass whatever its state: the queue service, which owns
   * the state, looks it up itself. `expiresAtMs`: the pass's own expiry.
   */
  readonly queuePassClaims: Authenticator<PassClaims & { token: string }> = {
    schemes: [SCHEMES.queuePass],
    authenticate: async (headers) => {
      const token = bearerToken(headers);
      if (this.kindOf(token) !== 'queue-pass')
        throw wrongKind('a queue pass, not an identity token');
      return { ...(await this.verifyPassSignature(token)), token };
    },
  };

  /**
   * The event stream's credential (ADR 0026): the queue pass as a bearer token, or, for a browser's
   * EventSource (which sends no header), a stream ticket in `?ticket=`. A ticket is a signature of
   * its own issuer that no other authenticator takes; `token` (and `expiresAtMs`) are then the
   * ticket's.
   */
  readonly queuePassOrStreamTicket: Authenticator<PassClaims & { token: string }> = {
    schemes: [SCHEMES.queuePass, SCHEMES.streamTicket],
    authenticate: async (headers, query) => {
      const ticket = (query as Record<string, unknown> | undefined)?.[STREAM_TICKET_PARAM];
      if (headers.authorization !== undefined || ticket === undefined)
        return this.queuePassClaims.authenticate(headers);
      if (typeof ticket !== 'string' || !this.parts.streamTickets)
        throw AppError.unauthorized('TOKEN_INVALID', 'ticket: one stream ticket is expected');
      try {
        const { claims, expiresAtMs } = await this.parts.streamTickets.verifyWithExpiry(ticket);
        return { ...claims, expiresAtMs, token: ticket };
      } catch (e) {
        if (e instanceof InvalidTokenError)
          throw AppError.unauthorized('TOKEN_INVALID', `stream ticket ${e.reason}`);
        throw e;
      }
    },
  };

  /** Queue-gated reads that also take the owner's identity. */
  readonly either: Authenticator<Caller> = {
    schemes: [SCHEMES.queuePass, SCHEMES.identity],
    authenticate: async (headers) => {
      const token = bearerToken(headers);
      const vouched = this.vouchedFor(token, headers);
      if (vouched) return vouched;
      return this.kindOf(token) === 'queue-pass'
        ? this.verifyPass(token)
        : this.verifyIdentity(token);
    },
  };

  /** A pass verified before needs no decoding: a fan sends the same one with every call. */
  private kindOf(token: string): 'queue-pass' | 'identity' {
    return this.verifiedPasses.has(token) ? 'queue-pass' : claimedKindOf(token);
  }

  /**
   * The identity the gateway verified on this request and sealed (ADR 0019), when the seal opens
   * here; one that does not open proves nothing, and the token is checked as if it had none.
   */
  private vouchedFor(token: string, headers: IncomingHttpHeaders): Identity | undefined {
    const proof = headers[IDENTITY_PROOF_HEADER];
    return typeof proof === 'string' ? this.parts.identity?.vouchedFor(token, proof) : undefined;
  }

  private verifyIdentity(token: string): Promise<Identity> {
    if (!this.parts.identity) throw wrongKind('a queue pass');
    return this.parts.identity.verify(token);
  }

  private async verifyPassSignature(token: string): Promise<PassClaims> {
    if (!this.parts.passes) throw wrongKind('an identity token');
    const known = this.verifiedPasses.get(token);
    if (known) return known;
    try {
      const { claims, expiresAtMs } = await this.parts.passes.verifyWithExpiry(token);
      const verified = { ...claims, expiresAtMs };
      const ttl = expiresAtMs - Date.now();
      if (ttl > 0) this.verifiedPasses.set(token, verified, { ttl });
      return verified;
    } catch (e) {
      if (e instanceof InvalidTokenError)
        throw AppError.unauthorized('TOKEN_INVALID', `queue pass ${e.reason}`);
      throw e;
    }
  }

  private async verifyPass(token: string): Promise<QueuePass> {
    const { admissions } = this.parts;
    if (!admissions) throw wrongKind('an identity token');
    const { expiresAtMs: _expiresAtMs, ...claims } = await this.verifyPassSignature(token);
    const admission = await admissions.admissionOf(claims);
    if (admission === 'GONE')
      throw AppError.unauthorized('TOKEN_INVALID', 'queue pass expired or revoked');
    return { kind: 'queue-pass', ...claims, admission };
  }
}

/**
 * API.md's order: admission before existence. A waiting pass is told so (403 TOKEN_NOT_ACTIVE)
 * before anything is looked up, so it cannot learn which ids exist.
 */
export function requireActiveCaller(caller: Caller): void {
  if (caller.kind === 'queue-pass') requireAdmitted(caller);
}

/**
 * A resource of `ownerId` (and, for a queue pass, of `concertId`): an identity must be its
 * owner; a queue pass must be its owner's, ACTIVE, and for its concert. 403 otherwise.
 */
export function requireOwner(
  caller: Caller,
  resource: { ownerId: string; concertId?: number; what: string },
): void {
  if (caller.kind === 'queue-pass') requireAdmitted(caller, resource.concertId);
  if (caller.userId !== resource.ownerId)
    throw AppError.forbidden(`this ${resource.what} belongs to another user`);
}
