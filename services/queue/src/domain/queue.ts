import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '@ticketing/platform';
import {
  REBUILDING,
  placeOf,
  stateOfPlace,
  tokenIdOf,
  type Place,
  type PlaceRecord,
  type PlaceState,
  type QueueTokenClaims,
  type TokenSigner,
} from '@ticketing/queue-pass';
import type { QueueStore } from './stores';
import type { KnownConcerts } from './known-concerts';
import type { Lines } from './lines';
import type { Liveness, SeenMarks } from './liveness';
import { JOIN_SETTLE_MS, type QueueSettings } from './settings';
import type { QueueSnapshot } from './queue-snapshot';
import type { SnapshotCache } from './snapshot-cache';
import { viewOf, type LiveState, type TokenState, type TokenView } from './token-status';

// Another request of the same user is taking a number: it takes microseconds, this is a bound.
const PENDING_WAIT_MS = 3000;

const gone = () => AppError.unauthorized('TOKEN_INVALID', 'queue token expired or revoked');

/** The waiting-queue use cases (ADR 0015). */
export class WaitingQueue {
  constructor(
    private readonly store: QueueStore,
    private readonly signer: TokenSigner,
    readonly settings: QueueSettings,
    private readonly snapshots: SnapshotCache,
    private readonly liveness: Liveness,
    private readonly seen: SeenMarks,
    private readonly lines: Lines,
    private readonly concerts: KnownConcerts,
  ) {}

  /**
   * A fan asks for a place in a concert's queue: the next number of its counter, or (asked again,
   * however many times at once) the place they already hold while it is live. A place that
   * ended (left, dropped as idle, expired, spent) is replaced by a new one at the back.
   */
  async join(userId: string, concertId: number): Promise<{ view: TokenView; created: boolean }> {
    // The catalog where it is durable answers for a concert the queue's copy misses (ADR 0024).
    if (!(await this.concerts.isKnown(concertId)))
      throw AppError.notFound(`concert ${concertId} not found`);
    const deadline = Date.now() + PENDING_WAIT_MS;
    for (;;) {
      const askedAtMs = Date.now();
      const window = this.liveness.windowAt(askedAtMs);
      // On a single Redis the whole join is one script: the number comes with its bits.
      const atOnce = await this.store.joinAtOnce(
        concertId,
        userId,
        window,
        this.liveness.seenTtlMs,
      );
      if (atOnce?.kind === 'joined') return this.joined(userId, concertId, atOnce);
      // The line must open (or be rebuilt after a loss), or numbers be reserved, first.
      if (atOnce?.kind === 'closed' || atOnce?.kind === 'reserve') {
        if (Date.now() > deadline) throw AppError.unavailable('try again');
        await this.lines.prepare(concertId, atOnce);
        continue;
      }
      // On a cluster the next number is taken alongside the claim (one round trip, not two): a
      // fan who already holds a place leaves that number unused, a hole the line skips as gone.
      const [claim, taken] = atOnce
        ? [atOnce, undefined]
        : await Promise.all([
            this.store.claim(concertId, userId),
            this.store.nextNumber(concertId),
          ]);
      const next = taken?.kind === 'number' ? taken : undefined;
      if (claim.kind === 'pending') {
        if (Date.now() > deadline) throw AppError.unavailable('try again');
        await sleep(2);
        continue;
      }
      if (claim.kind === 'held') {
        const record = await this.store.readNumber(concertId, claim.number);
        const place = { concertId, epoch: record.epoch, number: claim.number };
        const state = stateOfPlace(record, claim.number, Date.now());
        if (state.status !== 'GONE')
          return { created: false, view: await this.view(userId, place, state) };
        if (!(await this.store.reclaim(concertId, userId, claim.number))) continue;
      }
      // The place is ours (pending) now; its number, once the line is open and has numbers.
      const { number, epoch } = next ?? (await this.lines.takeNumber(concertId));
      // Both at once: until both landed, a second join of this user waits (the claim is pending).
      await Promise.all([
        this.store.markJoined(concertId, number, window, this.liveness.seenTtlMs),
        this.store.settle(concertId, userId, number),
      ]);
      // A tick passes a number JOIN_SETTLE_MS after it was handed out, its bit set by then. A join
      // slower than that (a loaded host, a long pause) may have been passed over as gone: the
      // store says so, and the fan takes the next number instead of a pass that is dead at once.
      if (Date.now() - askedAtMs >= JOIN_SETTLE_MS) {
        const state = stateOfPlace(
          await this.store.readNumber(concertId, number),
          number,
          Date.now(),
        );
        if (state.status === 'GONE') {
          if (Date.now() > deadline) throw AppError.unavailable('try again');
          continue; // the user index names a gone number: replaced on the next turn
        }
        return this.joined(userId, concertId, { number, epoch }, state);
      }
      return this.joined(userId, concertId, { number, epoch });
    }
  }

  /** A new place: this instance's snapshot counts it at once, and the fan gets its pass. */
  private async joined(
    userId: string,
    concertId: number,
    { number, epoch }: { number: number; epoch: number },
    state: PlaceState = { status: 'WAITING', numbersAhead: 0 },
  ): Promise<{ view: TokenView; created: boolean }> {
    const snapshot = await this.snapshots.get(concertId);
    snapshot.markJoined(number);
    return { created: true, view: await this.view(userId, { concertId, epoch, number }, state) };
  }

  /** A poll: the token's status from this instance's snapshot; polling keeps a fan's place. */
  async status(token: string, claims: QueueTokenClaims): Promise<TokenView> {
    const state = await this.stateOf(claims);
    if (state.status === 'GONE') throw gone();
    return viewOf({ token, ...claims }, state, this.settings.admitPerSecond);
  }

  /**
   * A stream ticket for a live pass (ADR 0026): it opens this pass's event stream for a short
   * while, and nothing else, so a browser may put it in a URL where it cannot put a header. It
   * ends with the pass (`passExpiresAtMs`) if that is sooner: a ticket never outlives its pass.
   */
  async streamTicket(
    claims: QueueTokenClaims,
    passExpiresAtMs: number,
  ): Promise<{ ticket: string; expiresAt: string }> {
    const state = await this.stateOf(claims);
    if (state.status === 'GONE') throw gone();
    const { ticket, expiresAtMs } = this.signer.signStreamTicket(
      claims,
      this.settings.streamTicketTtlSeconds,
      passExpiresAtMs,
    );
    return { ticket, expiresAt: new Date(expiresAtMs).toISOString() };
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
    if (snapshot.data.epoch !== place.epoch) snapshot = await this.snapshots.read(claims.concertId);
    // No open line in Redis: it ended, or Redis lost it and Postgres has it (ADR 0024).
    if (snapshot.data.epoch === 0 && (await this.lines.rebuild(claims.concertId)))
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
      if (s.status === 'GONE')
        return fresh.status === 'ACTIVE'
          ? { status: 'ACTIVE', expiresAtMs: fresh.untilMs }
          : {
              status: 'WAITING',
              position: fresh.numbersAhead + 1,
              expiresAtMs: nowMs + this.settings.idleMs,
            };
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
      if (fresh.status === 'ACTIVE') return { status: 'ACTIVE', expiresAtMs: fresh.untilMs };
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
    if (state.status !== 'GONE' || !record || !this.restorable(record, number, nowMs)) {
      if (state.status !== 'GONE' && record?.holder === 'none')
        await this.store.restoreEntry(claims.concertId, claims.userId, number);
      return state;
    }
    if (!(await this.store.restoreEntry(claims.concertId, claims.userId, number))) return state;
    const window = this.liveness.windowAt(nowMs);
    await this.store.markJoined(claims.concertId, number, window, this.liveness.seenTtlMs);
    this.snapshots.peek(claims.concertId)?.markJoined(number);
    return { status: 'WAITING', numbersAhead: number - record.head - 1 };
  }

  /**
   * A number of the last block handed out before a rebuild (after the numbers presumed in line,
   * up to the counter's reservation), with no bit and no entry, behind the head, within the idle
   * timeout of the rebuild, was lost with the store, not ended (an end leaves the entry saying
   * so; a fan who did not come back by then is idle). Numbers presumed in line got their bits at
   * the rebuild: without one now, they were dropped or left. Numbers handed out since are kept
   * by a replica before their fan hears of them (ADR 0024).
   */
  private restorable(record: PlaceRecord, number: number, nowMs: number): boolean {
    if (record.holder !== 'none' || record.alive || number <= record.head) return false;
    if (number <= record.presumed || number > record.recovered) return false;
    return nowMs < record.repairedAtMs + this.settings.idleMs;
  }

  /** A concert's snapshot as polls see it (read now only when too old). */
  snapshotOf(concertId: number): Promise<QueueSnapshot> {
    return this.snapshots.get(concertId);
  }

  /**
   * An open stream's fan, from a snapshot in hand: waiting (or sold out) and marked seen, with no
   * promise and no Redis command, for every stream of an interval. Undefined when only
   * `stateOf` can tell: a place of another epoch, or one the snapshot says is gone or admitted
   * (the store confirms those).
   */
  waitingIn(snapshot: QueueSnapshot, place: Place, nowMs: number): LiveState | undefined {
    if (snapshot.data.epoch !== place.epoch) return undefined;
    const s = snapshot.stateOf(place.number, nowMs);
    if (s.status !== 'WAITING' && s.status !== 'SOLD_OUT') return undefined;
    this.seen.mark(place.concertId, place.number, nowMs);
    return { status: s.status, position: s.position, expiresAtMs: nowMs + this.settings.idleMs };
  }

  /** Whether this instance's snapshot of the concert says sold out (undefined: none read). */
  soldOutNow(concertId: number): boolean | undefined {
    return this.snapshots.peek(concertId)?.data.soldOut;
  }

  /** The fan leaves the queue; the token answers 401 from then on (leaving again too). */
  async leave(claims: QueueTokenClaims): Promise<void> {
    if (!(await this.end(claims))) throw gone();
  }

  /** The payment saga ends a token's access. Idempotent: true if it was still live. */
  expire(claims: QueueTokenClaims): Promise<boolean> {
    return this.end(claims);
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
    bookingClosesAt: string;
    totalSeats: number;
  }): Promise<void> {
    await this.store.concerts.rememberConcert(s.concertId);
    await this.store.concerts.applySchedule({
      ...s,
      opensAtMs: Date.parse(s.bookingOpensAt),
      closesAtMs: Date.parse(s.bookingClosesAt),
    });
  }

  /** What is left of a date's seats: the queue stops admitting when nothing is (sold out). */
  learnAvailability(a: {
    concertId: number;
    scheduleId: number;
    seatsRevision: number;
    availableSeats: number;
    heldSeats: number;
  }): Promise<void> {
    return this.store.concerts.applySeats(a);
  }

  /** Ends a live place: its bit cleared, its slot freed if admitted, services told at once. */
  private async end(claims: QueueTokenClaims): Promise<boolean> {
    const place = placeOf(claims.tokenId);
    if (!place || place.concertId !== claims.concertId) return false;
    const record = await this.store.readPlace(claims);
    if (record === REBUILDING && (await this.lines.rebuild(claims.concertId)))
      return this.end(claims);
    const state = stateOfPlace(
      record === REBUILDING ? undefined : record,
      place.number,
      Date.now(),
    );
    if (state.status === 'GONE') return false;
    const wasAlive = await this.store.clearAlive(place.concertId, place.number);
    this.snapshots.peek(place.concertId)?.markGone(place.number);
    if (!wasAlive) return false; // another request ended it first
    if (state.status === 'ACTIVE') await this.store.freeSlot(place.concertId, place.number);
    await this.store.release(place.concertId, claims.userId, place.number);
    await this.store.announceRevoked(claims.tokenId);
    return true;
  }

  /** The API's view of a place: a pass minted now (passes are never stored). */
  private async view(userId: string, place: Place, state: PlaceState): Promise<TokenView> {
    const tokenId = tokenIdOf(place);
    const claims = { userId, tokenId, concertId: place.concertId };
    const token = await this.signer.sign(claims, this.settings.tokenMaxAgeSeconds);
    let live: LiveState;
    if (state.status === 'ACTIVE') live = { status: 'ACTIVE', expiresAtMs: state.untilMs };
    else {
      const snapshot = await this.snapshots.get(place.concertId);
      const s = snapshot.stateOf(place.number, Date.now());
      live = {
        status: s.status === 'SOLD_OUT' ? 'SOLD_OUT' : 'WAITING',
        position: 'position' in s ? s.position : snapshot.position(place.number),
        expiresAtMs: Date.now() + this.settings.idleMs,
      };
    }
    return viewOf({ token, ...claims }, live, this.settings.admitPerSecond);
  }
}
