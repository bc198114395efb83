/**
 * What a verified identity is, apart from how it is verified: the OIDC verifier (identity.ts)
 * and the gateway's proof of it (identity-proof.ts) both hand one out, so it stands below both.
 */
import { AppError } from '@ticketing/platform';

/** A verified caller: the token's `sub`, and whether it carries the operator scope. */
export interface Identity {
  kind: 'identity';
  userId: string;
  admin: boolean;
}

/** An identity and when its token expires (`exp`, in ms). */
export interface VerifiedIdentity {
  identity: Identity;
  expMs: number;
}

export const ADMIN_SCOPE = 'ticketing:admin';

/** Operators only: an identity with the `ticketing:admin` scope, else 403 FORBIDDEN. */
export function requireAdmin(caller: Identity): void {
  if (!caller.admin)
    throw AppError.forbidden(`this needs an operator's identity (scope ${ADMIN_SCOPE})`);
}
