/**
 * The waiting room's pass, owned by the queue service (ADR 0015): its JWT (signed by the queue,
 * verified by the gateway and every queue-gated service), the Redis layout of the line, where a
 * pass's place stands in it, and the admission check the booking services run on every request.
 * Every name is listed: nothing reaches a service by accident.
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
} from './redis-layout';
export {
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
} from './place-record';
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
} from './pass-token';
export {
  type Admission,
  type QueuePass,
  type AdmissionSource,
  RedisAdmissionSource,
  requireAdmitted,
} from './admission';
export { CachedAdmissionSource, PASS_CACHE_DEFAULT_ENTRIES } from './admission-cache';
