import { createPublicKey } from 'node:crypto';
import { createDecoder, createVerifier, TokenError } from 'fast-jwt';
import {
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';

/** What checking one token gave: its claims, or why it was refused (words a client can act on). */
export type CheckOutcome = { ok: true; payload: JWTPayload } | { ok: false; reason: Refusal };

export type Refusal =
  | 'malformed'
  | 'of another type'
  | 'signed with an algorithm that is not allowed'
  | 'signed with an unknown key'
  | 'signed with an ambiguous key'
  | 'with a bad signature'
  | 'expired'
  | 'not yet valid'
  | 'of another issuer'
  | 'for another audience'
  | `without a valid ${string}`;

export interface CheckOptions {
  /** Asymmetric only: a token naming another algorithm (HS*, none) is refused, whatever its key. */
  algorithms: string[];
  issuer: string;
  audience?: string;
  clockToleranceSeconds?: number;
  requiredClaims?: string[];
  /** Accepted header `typ` values (lower case); a token without `typ` passes. None: any. */
  types?: ReadonlySet<string>;
}

const KEY_TYPES: Record<string, string> = { RS: 'RSA', PS: 'RSA', ES: 'EC', Ed: 'OKP' };
const decode = createDecoder({ complete: true });

/**
 * Checks JWTs against a key set, synchronously: the signature with node:crypto through fast-jwt,
 * then algorithm, expiry, not-before, issuer, audience and required claims (ADR 0020). The key
 * is the one the token's `kid` names among the set's keys of the algorithm's type (or the only
 * one of that type), as jose's key sets choose it; each key is imported once, with one verifier
 * per algorithm. jose, the library this replaced on these paths, hands every signature to
 * libuv's thread pool: the two hand-offs between threads cost more than the signature itself,
 * once per join and per poll of a new pass.
 */
export class KeySetChecks {
  private readonly usable: JWK[];
  private readonly verifiers = new Map<string, (token: string) => JWTPayload>();

  constructor(
    keys: JSONWebKeySet,
    private readonly options: CheckOptions,
  ) {
    this.usable = keys.keys.filter(
      (k) => k.use !== 'enc' && (!k.key_ops || k.key_ops.includes('verify')),
    );
  }

  check(token: string): CheckOutcome {
    // The header picks the key; the payload is decoded once, by the verifier.
    const header = headerOf(token);
    if (!header) return refused('malformed');
    const { types } = this.options;
    if (types && header.typ !== undefined) {
      if (typeof header.typ !== 'string' || !types.has(header.typ.toLowerCase()))
        return refused('of another type');
    }
    if (typeof header.alg !== 'string' || !this.options.algorithms.includes(header.alg))
      return refused('signed with an algorithm that is not allowed');
    const kty = KEY_TYPES[header.alg.slice(0, 2)];
    const candidates = this.usable.filter(
      (k) =>
        (header.kid === undefined || k.kid === header.kid) &&
        k.kty === kty &&
        (!k.alg || k.alg === header.alg),
    );
    if (candidates.length === 0) return refused('signed with an unknown key');
    if (candidates.length > 1) return refused('signed with an ambiguous key');
    let verify: (token: string) => JWTPayload;
    try {
      verify = this.verifierFor(candidates[0]!, header.alg);
    } catch {
      return refused('signed with an unknown key'); // a published key node:crypto cannot use
    }
    try {
      return { ok: true, payload: verify(token) };
    } catch (err) {
      return refused(this.reasonOf(err, token));
    }
  }

  private verifierFor(jwk: JWK, alg: string): (token: string) => JWTPayload {
    const id = `${alg} ${this.usable.indexOf(jwk)}`;
    let verifier = this.verifiers.get(id);
    if (!verifier) {
      const { issuer, audience, clockToleranceSeconds = 0, requiredClaims } = this.options;
      verifier = createVerifier({
        key: createPublicKey({ key: jwk as never, format: 'jwk' })
          .export({ type: 'spki', format: 'pem' })
          .toString(),
        algorithms: [alg as never],
        allowedIss: issuer,
        ...(audience !== undefined && { allowedAud: audience }),
        clockTolerance: clockToleranceSeconds * 1000,
        ...(requiredClaims && { requiredClaims }),
      }) as (token: string) => JWTPayload;
      this.verifiers.set(id, verifier);
    }
    return verifier;
  }

  private reasonOf(err: unknown, token: string): Refusal {
    const codes = TokenError.codes;
    switch (err instanceof TokenError ? err.code : undefined) {
      case codes.expired:
        return 'expired';
      case codes.inactive:
        return 'not yet valid';
      case codes.invalidSignature:
      case codes.verifyError:
        return 'with a bad signature';
      case codes.invalidAlgorithm:
        return 'signed with an algorithm that is not allowed';
      case codes.missingRequiredClaim:
        return `without a valid ${claimNamedIn(err)}`;
      case codes.invalidClaimType:
      case codes.invalidClaimValue: {
        if (payloadOf(token)?.iss !== this.options.issuer) return 'of another issuer';
        const claim = claimNamedIn(err);
        return claim === 'aud' ? 'for another audience' : `without a valid ${claim}`;
      }
      default:
        return 'malformed';
    }
  }
}

const refused = (reason: Refusal): CheckOutcome => ({ ok: false, reason });

/** A compact JWS's protected header, or undefined when the token is not one. */
function headerOf(token: string): ProtectedHeaderParameters | undefined {
  try {
    return decodeProtectedHeader(token);
  } catch {
    return undefined;
  }
}

/** The claims of a token the verifier refused (for the reason's words only). */
function payloadOf(token: string): JWTPayload | undefined {
  try {
    return decode(token).payload as JWTPayload;
  } catch {
    return undefined;
  }
}

/** The claim a fast-jwt claim error names ("The aud claim value is not allowed."). */
const claimNamedIn = (err: unknown) =>
  /\b(\w+) claim/.exec(err instanceof Error ? err.message : '')?.[1] ?? 'claim';

/** `scope` (space-separated, RFC 9068) or `scp` (a list, some providers). */
export function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ');
  if (Array.isArray(payload.scp))
    return payload.scp.filter((s): s is string => typeof s === 'string');
  return [];
}

// RFC 9068 access tokens say `typ: at+jwt`; Keycloak's say `JWT`, and many providers say nothing.
// A token that names another type (an ID token, a logout token, a DPoP proof) is not an access
// token, whoever signed it.
export const ACCESS_TOKEN_TYPES: ReadonlySet<string> = new Set([
  'at+jwt',
  'application/at+jwt',
  'jwt',
  'application/jwt',
]);

/** A failure to fetch the provider's keys (as opposed to keys that came back unusable). */
export function isFetchFailure(err: unknown): boolean {
  return (
    err instanceof errors.JWKSTimeout ||
    (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC') ||
    !(err instanceof errors.JOSEError)
  );
}
