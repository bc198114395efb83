/**
 * Who is calling: the OIDC identity (discovery, JWKS, jose), the gateway's proof of it, the
 * credentials a route checks (an identity, or a queue pass of @ticketing/queue-pass), and
 * `openAuth`, which start.ts wires. Every name is listed: nothing reaches a service by accident.
 */
export { type Identity, type VerifiedIdentity, ADMIN_SCOPE, requireAdmin } from './caller-identity';
export { identityEnv, type IdentityConfig, IdentityVerifier } from './identity';
export {
  IDENTITY_PROOF_HEADER,
  IdentityProofs,
  identityProofKeyEnv,
  generateIdentityProofKey,
} from './identity-proof';
export {
  type Caller,
  type PassClaims,
  SCHEMES,
  bearerToken,
  Credentials,
  requireActiveCaller,
  requireOwner,
} from './credentials';
export { securitySchemes } from './security-schemes';
export { tokenCheckEnv, type QueuePassConfig, type Auth, openAuth } from './service-credentials';
