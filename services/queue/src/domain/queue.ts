import { randomUUID } from 'node:crypto';
import { AppError } from '@ticketing/platform';
import type { QueueTokenClaims, TokenSigner } from '@ticketing/auth';
import type { QueueStore } from '../data-access/queue-store';
import { viewOf, type TokenState, type TokenView } from './token-status';

export interface QueueSettings {
  admitPerSecond: number;
  maxActive: number;
  activeTtlMs: number;
  idleMs: number;
  tokenMaxAgeSeconds: number;
}

/** The waiting-queue use cases. */
export class WaitingQueue {
  constructor(
    private readonly store: QueueStore,
    private readonly signer: TokenSigner,
    readonly settings: QueueSettings,
  ) {}

  /**
   * A fan asks for a place in a concert's queue: a new token at the back, or (asked again,
   * however many times at once) the live token they already have.
   */
  async join(userId: string, concertId: number): Promise<{ view: TokenView; created: boolean }> {
    if (!(await this.store.isKnownConcert(concertId)))
      throw AppError.notFound(`concert ${concertId} not found`);
    const tokenId = randomUUID();
    const jwt = await this.signer.sign(
      { userId, tokenId, concertId },
      this.settings.tokenMaxAgeSeconds,
    );
    const issued = await this.store.issue(concertId, userId, tokenId, jwt, this.settings.idleMs);
    return {
      created: issued.created,
      view: viewOf(
        { token: issued.jwt, tokenId: issued.tokenId, userId, concertId },
        issued.state,
        this.settings.admitPerSecond,
      ),
    };
  }

  /** A poll: the token's fresh status; polling keeps a waiting token's place. */
  async status(token: string, claims: QueueTokenClaims): Promise<TokenView> {
    const state = await this.store.touch(claims.concertId, claims.tokenId, this.settings.idleMs);
    if (state.status === 'GONE')
      throw AppError.unauthorized('TOKEN_INVALID', 'queue token expired or revoked');
    return viewOf({ token, ...claims }, state, this.settings.admitPerSecond);
  }

  /** The fan leaves the queue; the token answers 401 from then on (leaving again too). */
  async leave(claims: QueueTokenClaims): Promise<void> {
    if (!(await this.store.remove(claims.concertId, claims.tokenId)))
      throw AppError.unauthorized('TOKEN_INVALID', 'queue token expired or revoked');
  }

  /**
   * Connected event streams count as polling: one round trip refreshes them all and keeps
   * their places.
   */
  refresh(tokens: QueueTokenClaims[]): Promise<TokenState[]> {
    return this.store.touchMany(tokens, this.settings.idleMs);
  }

  /**
   * A date of a concert, published or changed (concert.events): fans may join its queue, and
   * the queue knows when its sales open and whether it is cancelled.
   */
  async learnSchedule(s: {
    concertId: number;
    scheduleId: number;
    revision: number;
    status: string;
    bookingOpensAt: string;
    totalSeats: number;
  }): Promise<void> {
    await this.store.rememberConcert(s.concertId);
    await this.store.applySchedule({ ...s, opensAtMs: Date.parse(s.bookingOpensAt) });
  }

  /** What is left of a date's seats: the queue stops admitting when nothing is (sold out). */
  learnAvailability(a: {
    concertId: number;
    scheduleId: number;
    seatsRevision: number;
    availableSeats: number;
    heldSeats: number;
  }): Promise<void> {
    return this.store.applySeats(a);
  }

  /** The payment saga ends a token's access. Idempotent: true if it was still live. */
  expire(concertId: number, tokenId: string): Promise<boolean> {
    return this.store.remove(concertId, tokenId);
  }
}
