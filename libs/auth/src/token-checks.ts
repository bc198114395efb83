import { decodeProtectedHeader, errors, type JWTPayload } from 'jose';

/** `scope` (space-separated, RFC 9068) or `scp` (a list, some providers). */
export function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ');
  if (Array.isArray(payload.scp))
    return payload.scp.filter((s): s is string => typeof s === 'string');
  return [];
}

export function isFetchFailure(err: unknown): boolean {
  return (
    err instanceof errors.JWKSTimeout ||
    (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC') ||
    !(err instanceof errors.JOSEError)
  );
}

// RFC 9068 access tokens say `typ: at+jwt`; Keycloak's say `JWT`, and many providers say nothing.
// A token that names another type (an ID token, a logout token, a DPoP proof) is not an access
// token, whoever signed it.
const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt', 'jwt', 'application/jwt']);

/** Whether the token's header names no type or an access token's (signature checked after). */
export function isAccessTokenType(token: string): boolean {
  let typ: unknown;
  try {
    typ = decodeProtectedHeader(token).typ;
  } catch {
    return true; // malformed: the signature check says so, with its own reason
  }
  return (
    typ === undefined || (typeof typ === 'string' && ACCESS_TOKEN_TYPES.has(typ.toLowerCase()))
  );
}

/** Why a token was refused, in words a client can act on (never the token itself). */
export function reasonOf(refusal: { code: string; claim?: string }): string {
  switch (refusal.code) {
    case errors.JWTExpired.code:
      return 'expired';
    case errors.JWTClaimValidationFailed.code:
      if (refusal.claim === 'iss') return 'of another issuer';
      if (refusal.claim === 'aud') return 'for another audience';
      if (refusal.claim === 'nbf' || refusal.claim === 'iat') return 'not yet valid';
      return `without a valid ${refusal.claim}`;
    case errors.JOSEAlgNotAllowed.code:
      return 'signed with an algorithm that is not allowed';
    case errors.JWKSNoMatchingKey.code:
      return 'signed with an unknown key';
    case errors.JWSSignatureVerificationFailed.code:
      return 'with a bad signature';
    case errors.JWKSMultipleMatchingKeys.code:
      return 'signed with an ambiguous key';
    case errors.JWSInvalid.code:
    case errors.JWTInvalid.code:
      return 'malformed';
    case 'ERR_THREAD_LOST':
    case 'ERR_STOPPED':
      return 'not checked';
    default:
      return 'invalid';
  }
}
