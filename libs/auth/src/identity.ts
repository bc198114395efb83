import { LOCAL_DEFAULTS, USER_ID_PATTERN } from '@ticketing/contracts';
import {
  AppError,
  backoffDelay,
  env,
  type Logger,
  ACCESS_TOKEN_TYPES,
  KeySetChecks,
  isFetchFailure,
  scopesOf,
  type CheckOutcome,
} from '@ticketing/platform';
import { createRemoteJWKSet, jwksCache, type JWKSCacheInput } from 'jose';
import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';
import { ADMIN_SCOPE, type Identity, type VerifiedIdentity } from './caller-identity';
import { IdentityProofs, identityProofKeyEnv } from './identity-proof';
import { discover, type Discovery } from './oidc-discovery';

const VERIFIED_CACHE_DEFAULT = 20_000;

/** What a service that serves users reads to verify their identity (API.md, Identity). */
export const identityEnv = {
  OIDC_ISSUER_URL: env.url({ default: LOCAL_DEFAULTS.oidcIssuer, protocols: ['http', 'https'] }),
  OIDC_AUDIENCE: env.string({ default: LOCAL_DEFAULTS.oidcAudience }),
  /** The shortest time between two JWKS fetches caused by tokens of unknown keys. */
  OIDC_JWKS_COOLDOWN_SECONDS: env.int({ default: 30, min: 0, max: 3600 }),
  /** The gateway's seal on identities it verified (ADR 0019); unset: each token checked here. */
  IDENTITY_PROOF_KEY: identityProofKeyEnv(),
  /**
   * Identity tokens whose verification an instance remembers (about 1 kB each): the active users
   * of one instance; the least recently used go first.
   */
  IDENTITY_CACHE_ENTRIES: env.int({ default: VERIFIED_CACHE_DEFAULT, min: 1 }),
};

export interface IdentityConfig {
  OIDC_ISSUER_URL: string;
  OIDC_AUDIENCE: string;
  OIDC_JWKS_COOLDOWN_SECONDS: number;
  IDENTITY_PROOF_KEY?: string;
  IDENTITY_CACHE_ENTRIES?: number;
}

// API.md: asymmetric algorithms only; HS* and `none` are refused whatever the token says.
const ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
const CLOCK_SKEW_SECONDS = 30;
const ACCEPTED = { outcome: 'accepted' };
const REFUSED = { outcome: 'refused' };

/**
 * Verifies OpenID Connect access tokens against the provider's published keys: the JWKS URL
 * comes from the issuer's discovery document, jose caches the keys and fetches them again for a
 * token of an unknown `kid` (at most once per cooldown), and each token is checked on the event
 * loop, synchronously (KeySetChecks, ADR 0020: cheaper than handing it to another thread). The provider may be down at start: the service keeps trying to discover it, reports
 * "not ready" meanwhile, and answers 503 to calls that need an identity. Once the keys are
 * known, a provider outage costs nothing: the last keys it published keep verifying.
 */
export class IdentityVerifier {
  private discovery?: Discovery;
  private jwks?: ReturnType<typeof createRemoteJWKSet>;
  private readonly cache: JWKSCacheInput = {} as JWKSCacheInput;
  private lastFetchAt?: number;
  /** The checks of the keys fetched last, and their `uat`. */
  private checks?: { uat: number | undefined; checks: KeySetChecks };
  private lastError = 'not discovered yet';
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly issuer: string;
  private readonly fetches?: Counter;
  /** Least recently used first out when full; each entry until its token's `exp`. */
  private readonly verified: LRUCache<string, VerifiedIdentity>;
  private readonly refused?: Counter;
  private readonly proofOutcomes?: Counter;
  /** The gateway's seals, when IDENTITY_PROOF_KEY is set (the gateway seals with them too). */
  readonly proofs?: IdentityProofs;

  constructor(
    private readonly config: IdentityConfig,
    private readonly logger: Logger,
    metrics?: Registry,
  ) {
    this.issuer = config.OIDC_ISSUER_URL.replace(/\/+$/, '');
    this.verified = new LRUCache({ max: config.IDENTITY_CACHE_ENTRIES ?? VERIFIED_CACHE_DEFAULT });
    if (config.IDENTITY_PROOF_KEY) this.proofs = new IdentityProofs(config.IDENTITY_PROOF_KEY);
    if (metrics) {
      this.fetches = new Counter({
        name: 'identity_jwks_fetches_total',
        help: "Fetches of the identity provider's signing keys (JWKS)",
        registers: [metrics],
      });
      this.refused = new Counter({
        name: 'identity_tokens_refused_total',
        help: 'Identity tokens refused, by reason',
        labelNames: ['reason'],
        registers: [metrics],
      });
      this.proofOutcomes = new Counter({
        name: 'identity_proofs_total',
        help: 'Identities the gateway vouched for: accepted (no signature check here), or refused (checked here)',
        labelNames: ['outcome'],
        registers: [metrics],
      });
    }
  }

  /** Starts discovering the provider in the background, retrying until it answers. */
  start(): this {
    void this.discoverUntilFound(1);
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** For /health/ready: throws until the provider has been discovered. */
  readinessCheck = async (): Promise<void> => {
    if (!this.jwks) throw new Error(`identity provider ${this.issuer}: ${this.lastError}`);
  };

  /** The provider's token endpoint (for the OpenAPI document), once discovered. */
  get tokenEndpoint(): string | undefined {
    return this.discovery?.tokenEndpoint;
  }

  /** A verified identity, or 401 TOKEN_INVALID; 503 while the provider was never reached. */
  async verify(token: string): Promise<Identity> {
    return (await this.verifyWithExpiry(token)).identity;
  }

  /**
   * The identity the gateway's seal (IDENTITY_PROOF_HEADER) vouches for with this token, if it
   * opens with this service's key: taken instead of a signature check.
   */
  vouchedFor(token: string, proof: string): Identity | undefined {
    if (!this.proofs) return undefined;
    const vouched = this.proofs.open(proof, token, Date.now(), CLOCK_SKEW_SECONDS);
    this.proofOutcomes?.inc(vouched ? ACCEPTED : REFUSED);
    return vouched;
  }

  /**
   * A client sends the same access token with every call until it expires: its signature is
   * checked once, and the identity is kept until the token's own `exp` (never longer).
   */
  async verifyWithExpiry(token: string): Promise<VerifiedIdentity> {
    const known = this.verified.get(token);
    if (known) return known;
    const verified = await this.verifyNow(token);
    const ttl = verified.expMs - Date.now();
    if (ttl > 0) this.verified.set(token, verified, { ttl });
    return verified;
  }

  private async verifyNow(token: string): Promise<VerifiedIdentity> {
    if (!this.jwks) {
      throw AppError.unavailable(
        `the identity provider has not been reached yet (${this.lastError})`,
      );
    }
    let outcome: CheckOutcome;
    try {
      outcome = await this.check(token);
    } catch (err) {
      // Keys were due for a fetch, the provider did not answer, and none were ever fetched.
      this.refused?.inc({ reason: 'provider unreachable' });
      throw AppError.unavailable('the identity provider cannot be reached', err);
    } finally {
      this.countFetch();
    }
    if (!outcome.ok) {
      this.refused?.inc({ reason: outcome.reason });
      throw AppError.unauthorized('TOKEN_INVALID', `identity token ${outcome.reason}`);
    }
    const payload = outcome.payload;
    const sub = payload.sub!;
    if (!USER_ID_PATTERN.test(sub)) {
      this.refused?.inc({ reason: 'malformed subject' });
      throw AppError.unauthorized('TOKEN_INVALID', 'identity token has a malformed subject');
    }
    return {
      identity: { kind: 'identity', userId: sub, admin: scopesOf(payload).includes(ADMIN_SCOPE) },
      expMs: payload.exp! * 1000,
    };
  }

  /**
   * The token checked against the provider's current keys; a token of a key not among them
   * fetches the keys again (unless they were fetched within the cooldown) and is checked once
   * more, as jose's remote key set does.
   */
  private async check(token: string): Promise<CheckOutcome> {
    const outcome = (await this.currentChecks()).check(token);
    if (outcome.ok || outcome.reason !== 'signed with an unknown key' || this.jwks!.coolingDown)
      return outcome;
    return (await this.currentChecks(true)).check(token);
  }

  /**
   * Checks with keys fetched at most `cacheMaxAge` ago (or now, when `refetch`), rebuilt when
   * the keys changed. The provider is down while its keys are due for a refresh: the keys it
   * published last are still the best knowledge there is (a removed key is dropped at the next
   * fetch), so a failed fetch only fails when there are none.
   */
  private async currentChecks(refetch = false): Promise<KeySetChecks> {
    const jwks = this.jwks!;
    if (refetch || !jwks.fresh) {
      try {
        await jwks.reload();
      } catch (err) {
        if (!isFetchFailure(err) || !this.cache.jwks) throw err;
      }
    }
    if (!this.checks || this.checks.uat !== this.cache.uat) {
      const checks = new KeySetChecks(this.cache.jwks ?? { keys: [] }, {
        issuer: this.issuer,
        audience: this.config.OIDC_AUDIENCE,
        algorithms: ALGORITHMS,
        clockToleranceSeconds: CLOCK_SKEW_SECONDS,
        requiredClaims: ['sub', 'exp'],
        types: ACCESS_TOKEN_TYPES,
      });
      this.checks = { uat: this.cache.uat, checks };
    }
    return this.checks.checks;
  }

  /** jose refreshes the cache in place; a new `uat` means it fetched the keys. */
  private countFetch(): void {
    if (this.cache.uat !== undefined && this.cache.uat !== this.lastFetchAt) {
      this.lastFetchAt = this.cache.uat;
      this.fetches?.inc();
    }
  }

  private async discoverUntilFound(attempt: number): Promise<void> {
    if (this.stopped) return;
    try {
      this.discovery = await discover(this.issuer);
      this.jwks = createRemoteJWKSet(this.discovery.jwksUri, {
        cooldownDuration: this.config.OIDC_JWKS_COOLDOWN_SECONDS * 1000,
        cacheMaxAge: 10 * 60_000,
        timeoutDuration: 5000,
        [jwksCache]: this.cache,
      });
      this.logger.info(
        { issuer: this.issuer, jwksUri: this.discovery.jwksUri.href },
        'identity provider discovered',
      );
    } catch (err) {
      this.lastError = (err as Error).message;
      if (attempt === 1 || attempt % 10 === 0)
        this.logger.warn(
          { issuer: this.issuer, attempt, err: this.lastError },
          'identity provider not reachable; identity calls answer 503 until it is (retrying)',
        );
      const delay = backoffDelay(attempt, { firstMs: 500, maxMs: 10_000 });
      this.timer = setTimeout(() => void this.discoverUntilFound(attempt + 1), delay);
    }
  }
}
