import { AppError } from '@ticketing/platform';
import {
  REBUILDING,
  placeOf,
  stateOfPlace,
  type Place,
  type PlaceState,
  type QueueTokenClaims,
} from '@ticketing/queue-pass';
import type { LineDurability } from './line-durability';
import type { Liveness, SeenMarks } from './liveness';
import type { QueueSettings } from './settings';
import type { QueueSnapshot } from './queue-snapshot';
import type { SnapshotCache } from './snapshot-cache';
import type { QueueStore } from './stores';
import { viewOf, type LiveState, type TokenState, type TokenView } from './token-status';

/** What a pass whose place ended is answered (401). */
export const passGone = () =>
  AppError.unauthorized('TOKEN_INVALID', 'queue token expired or revoked');

/**
 * A fan's place once they hold a pass (ADR 0015): where it stands (a poll, an event stream), and
 * its end (the fan leaves, or the payment saga spends the pass).
 */
export class Places {
  constructor(
    private readonly store: QueueStore,
    readonly settings: QueueSettings,
    private readonly snapshots: SnapshotCache,
    private readonly liveness: Liveness,
    private readonly seen: SeenMarks,
    private readonly durability: LineDurability,
  ) {}

  /** A poll: the token's status from this instance's snapshot; polling keeps a fan's place. */
  async status(token: string, claims: QueueTokenClaims): Promise<TokenView> {
    const state = await this.stateOf(claims);
    if (state.status === 'GONE') throw passGone();
    return viewOf({ token, ...claims }, state, this.settings.admitPerSecond);
  }

  /**
   * Where a pass stands, from the snapshot; a waiting fan is marked seen. An ACTIVE answer is
   * confirmed against the store (the user index must name this user: a pass is checked once more
   * before it opens the booking services).
   */
  async stateOf(
    claims: QueueTokenClaims,
    nowMs = Date.now(),
    /** An open stream: it hears `active` at the next interval, no need to ask near the front. */
    options: { stream?: boolean } = {},
  ): Promise<TokenState> {
    const place = placeOf(claims.tokenId);
    if (!place || place.concertId !== claims.concertId) return { status: 'GONE' };
    let snapshot = await this.snapshots.get(claims.concertId);
    // A snapshot older than the place (its number came after the snapshot's counter) may be of
    // the line before a rebuild, whose counter was far behind: read now, not guessed (ADR 0038).
    if (snapshot.data.epoch !== place.epoch || place.number > snapshot.data.seq)
      snapshot = await this.snapshots.read(claims.concertId);
    // No open line in Redis: it ended, or Redis lost it and Postgres has it (ADR 0024).
    if (snapshot.data.epoch === 0 && (await this.durability.rebuild(claims.concertId)))
      snapshot = await this.snapshots.read(claims.concertId);
    if (snapshot.data.epoch !== place.epoch) return { status: 'GONE' };
    let s = snapshot.stateOf(place.number, nowMs);
    if (s.status === 'GONE') {
      // The snapshot may predate this number's bit (its join was in flight when it was read):
      // a fan is told their place is gone only by the store (one read; polls of gone passes are
      // few, and the gateway's budgets bound them).
      const fresh = await this.freshState(claims, place.number, nowMs);
      if (fresh.status === 'GONE') return fresh;
      snapshot.markJoined(place.number);
      s = snapshot.stateOf(place.number, nowMs);
      if (s.status === 'GONE') {
        if (fresh.status !== 'ACTIVE') {
          const position = fresh.numbersAhead + 1;
          return { status: 'WAITING', position, expiresAtMs: nowMs + this.settings.idleMs };
        }
        await this.snapshots.catchUpWithAdmission(claims.concertId, place.number);
        return { status: 'ACTIVE', expiresAtMs: fresh.untilMs };
      }
    }
    // Near the front the next tick may admit the fan, maybe on another instance: the store is
    // asked (as for any ACTIVE answer), so no instance tells an admitted fan to wait. Fans near
    // the front are as many as a second of admissions, whatever the crowd.
    const nearFront =
      !options.stream &&
      s.status === 'WAITING' &&
      s.position <= Math.max(1, this.settings.admitPerSecond);
    if (s.status === 'ACTIVE' || nearFront) {
      const fresh = await this.freshState(claims, place.number, nowMs);
      if (fresh.status === 'ACTIVE') {
        await this.snapshots.catchUpWithAdmission(claims.concertId, place.number);
        return { status: 'ACTIVE', expiresAtMs: fresh.untilMs };
      }
      if (fresh.status === 'GONE') return fresh;
    }
    this.seen.mark(claims.concertId, place.number, nowMs);
    if (s.status === 'ACTIVE')
      return { status: 'WAITING', position: 1, expiresAtMs: nowMs + this.settings.idleMs };
    return { status: s.status, position: s.position, expiresAtMs: nowMs + this.settings.idleMs };
  }

  /**
   * Where a place stands as the store has it now. A place a rebuilt line could not presume (one
   * of the last numbers before the loss) is restored from the pass, which is signed: in line again
   * at its own number, if the line has not passed it; a rebuilt line's fan gets their entry in
   * the user index back (ADR 0024).
   */
  private async freshState(
    claims: QueueTokenClaims,
    number: number,
    nowMs: number,
  ): Promise<PlaceState> {
    const record = await this.store.readPlace(claims);
    if (record === REBUILDING) throw AppError.unavailable('the waiting room is rebuilding: retry');
    const state = stateOfPlace(record, number, nowMs);
    if (state.status !== 'GONE' || !record || !this.durability.restorable(record, number, nowMs)) {
      if (state.status !== 'GONE' && record?.holder === 'none')
        await this.store.restoreEntry(claims.concertId, claims.userId, number);
      return state;
    }
    if (!(await this.store.restoreEntry(claims.concertId, claims.userId, number))) return state;
    const window = this.liveness.windowAt(nowMs);
    await this.store.bits.markJoined(claims.concertId, number, window, this.liveness.seenTtlMs);
    this.snapshots.peek(claims.concertId)?.markJoined(number);
    return { status: 'WAITING', numbersAhead: number - record.head - 1 };
  }

  /** A concert's snapshot as polls see it (read now only when too old). */
  snapshotOf(concertId: number): Promise<QueueSnapshot> {
    return this.snapshots.get(concertId);
  }

  /**
   * An open stream's fan, from a snapshot in hand: waiting (or sold out) and marked seen, with no
   * promise and no Redis command, for every stream of an interval. Undefined when only
   * `stateOf` can tell: a place of another epoch or newer than the snapshot, or one the snapshot
   * says is gone or admitted (the store confirms those).
   */
  waitingIn(snapshot: QueueSnapshot, place: Place, nowMs: number): LiveState | undefined {
    if (snapshot.data.epoch !== place.epoch || place.number > snapshot.data.seq) return undefined;
    const s = snapshot.stateOf(place.number, nowMs);
    if (s.status !== 'WAITING' && s.status !== 'SOLD_OUT') return undefined;
    this.seen.mark(place.concertId, place.number, nowMs);
    return { status: s.status, position: s.position, expiresAtMs: nowMs + this.settings.idleMs };
  }

  /** The fan leaves the queue; the token answers 401 from then on (leaving again too). */
  async leave(claims: QueueTokenClaims): Promise<void> {
    if (!(await this.end(claims))) throw passGone();
  }

  /** The payment saga ends a token's access. Idempotent: true if it was still live. */
  expire(claims: QueueTokenClaims): Promise<boolean> {
    return this.end(claims);
  }

  /** Ends a live place: its bit cleared, its slot freed if admitted, services told at once. */
  private async end(claims: QueueTokenClaims): Promise<boolean> {
    const place = placeOf(claims.tokenId);
    if (!place || place.concertId !== claims.concertId) return false;
    const record = await this.store.readPlace(claims);
    if (record === REBUILDING && (await this.durability.rebuild(claims.concertId)))
      return this.end(claims);
    const state = stateOfPlace(
      record === REBUILDING ? undefined : record,
      place.number,
      Date.now(),
    );
    if (state.status === 'GONE') return false;
    const wasAlive = await this.store.bits.clearAlive(place.concertId, place.number);
    this.snapshots.peek(place.concertId)?.markGone(place.number);
    if (!wasAlive) return false; // another request ended it first
    // Once the bit is cleared these three depend on nothing but it: sent together, they cost one
    // wait for the store instead of three (a round trip is most of what ending a place costs).
    await Promise.all([
      state.status === 'ACTIVE' && this.store.freeSlot(place.concertId, place.number),
      this.store.release(place.concertId, claims.userId, place.number),
      this.store.announceRevoked(claims.tokenId),
    ]);
    return true;
  }
}
