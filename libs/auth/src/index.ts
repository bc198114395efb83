/**
 * Who is calling: the OIDC identity (discovery, JWKS, jose), the queue pass (its signature, its
 * Redis layout and admission state), the credentials a route checks, and `openAuth`, which
 * start.ts wires. Every name is listed: nothing reaches a service by accident.
 */
export {
  queueKeys,
  type QueueKeys,
  SEGMENT_SIZE,
  USER_BUCKETS,
  segmentOf,
  offsetOf,
  segmentKeys,
  userBucketKey,
  userEntry,
  type Place,
  tokenIdOf,
  placeOf,
  newEpoch,
  revokedPassesChannel,
  QUEUED_CONCERTS_KEY,
  KNOWN_CONCERTS_KEY,
} from './keys';
export {
  type QueueRedis,
  type Cohort,
  parseCohort,
  cohortMember,
  type PlaceRecord,
  type PlaceState,
  type Holder,
  holderOf,
  holds,
  REBUILDING,
  readPlace,
  stateOfPlace,
} from './place';
export { redisUrlEnv, redisEnv, type RedisLogin, connectRedis } from './redis';
export {
  type QueueTokenClaims,
  QUEUE_TOKEN_ISSUER,
  STREAM_TICKET_ISSUER,
  STREAM_TICKET_PARAM,
  claimedCredential,
  signingKeyEnv,
  publicKeysEnv,
  generatePassKeys,
  TokenSigner,
  PassVerifier,
  InvalidTokenError,
} from './token';
export {
  identityEnv,
  type IdentityConfig,
  type Identity,
  type VerifiedIdentity,
  ADMIN_SCOPE,
  requireAdmin,
  IdentityVerifier,
} from './identity';
export {
  IDENTITY_PROOF_HEADER,
  IdentityProofs,
  identityProofKeyEnv,
  generateIdentityProofKey,
} from './identity-proof';
export {
  type Admission,
  type QueuePass,
  type AdmissionSource,
  RedisAdmissionSource,
  requireAdmitted,
} from './queue-pass';
export { CachedAdmissionSource } from './pass-cache';
export {
  type Caller,
  SCHEMES,
  bearerToken,
  Credentials,
  requireActiveCaller,
  requireOwner,
} from './credentials';
export { tokenCheckEnv, type QueuePassConfig, type Auth, openAuth } from './open';
export {
  REDIS_PRINCIPALS,
  type RedisPrincipal,
  redisAclRules,
  redisAclSetUser,
  redisAclFileLine,
} from './redis-acl';
