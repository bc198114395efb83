import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '@ticketing/platform';
import {
  stateOfPlace,
  tokenIdOf,
  type Place,
  type PlaceState,
  type TokenSigner,
} from '@ticketing/queue-pass';
import type { KnownConcerts } from './known-concerts';
import type { IssueOutcome, LineDurability, Taken } from './line-durability';
import type { Liveness } from './liveness';
import { JOIN_SETTLE_MS, type QueueSettings } from './settings';
import type { SnapshotCache } from './snapshot-cache';
import type { QueueStore } from './stores';
import type { Claim } from './records';
import { viewOf, type LiveState, type TokenView } from './token-status';

// Another request of the same user is taking a number: it takes microseconds, this is a bound.
const PENDING_WAIT_MS = 3000;

/** A fan joins a concert's waiting queue, and gets its pass (ADR 0015). */
export class Joining {
  constructor(
    private readonly store: QueueStore,
    private readonly signer: TokenSigner,
    private readonly settings: QueueSettings,
    private readonly snapshots: SnapshotCache,
    private readonly liveness: Liveness,
    private readonly durability: LineDurability,
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
    const again = () => {
      if (Date.now() > deadline) throw AppError.unavailable('try again');
    };
    for (;;) {
      const askedAtMs = Date.now();
      const window = this.liveness.windowAt(askedAtMs);
      const rebuildsBefore = this.durability.rebuildsKnown(concertId);
      // On a single Redis the whole join is one script: the number comes with its bits.
      const atOnce = await this.store.joinAtOnce(
        concertId,
        userId,
        window,
        this.liveness.seenTtlMs,
      );
      let taken: Taken;
      if (atOnce?.kind === 'joined') taken = atOnce;
      else if (atOnce?.kind === 'closed' || atOnce?.kind === 'reserve') {
        // The line must open (or be rebuilt after a loss), or numbers be reserved, first.
        again();
        await this.durability.prepare(concertId, atOnce);
        continue;
      } else {
        const claimed = await this.claimOnCluster(userId, concertId, atOnce);
        if (claimed.kind === 'held') return { created: false, view: claimed.view };
        if (claimed.kind !== 'claimed') {
          if (claimed.kind === 'pending') {
            again();
            await sleep(2);
          }
          continue;
        }
        taken = claimed.taken;
        // Both at once: until both landed, a second join of this user waits (the claim is pending).
        await Promise.all([
          this.store.bits.markJoined(concertId, taken.number, window, this.liveness.seenTtlMs),
          this.store.settle(concertId, userId, taken.number),
        ]);
      }
      // Answered once Postgres records the number as handed out (ADR 0038).
      const recorded = await this.durability.recordIssued(
        concertId,
        taken.epoch,
        taken.number,
        rebuildsBefore,
      );
      // A tick passes a number JOIN_SETTLE_MS after it was handed out, its bit set by then. A join
      // slower than that (a loaded host, a long pause) may have been passed over as gone, and a
      // number recorded after a rebuild read the line may not have been restored: the store says
      // so, and the fan takes the next number instead of a pass that is dead at once.
      const slow = atOnce === undefined && Date.now() - askedAtMs >= JOIN_SETTLE_MS;
      if (!slow && !mayHaveLostItsPlace(recorded)) return this.joined(userId, concertId, taken);
      const state = stateOfPlace(
        await this.store.readNumber(concertId, taken.number),
        taken.number,
        Date.now(),
      );
      if (state.status !== 'GONE') return this.joined(userId, concertId, taken, state);
      again(); // the user index names a gone number: replaced on the next turn
    }
  }

  /**
   * On a cluster the next number is taken alongside the claim (one round trip, not two): a fan
   * who already holds a place leaves that number unused, a hole the line skips as gone.
   */
  private async claimOnCluster(
    userId: string,
    concertId: number,
    claim: Claim | undefined,
  ): Promise<
    | { kind: 'pending' | 'lost' }
    | { kind: 'held'; view: TokenView }
    | { kind: 'claimed'; taken: Taken }
  > {
    const [claimed, next] = claim
      ? [claim, undefined]
      : await Promise.all([this.store.claim(concertId, userId), this.store.nextNumber(concertId)]);
    if (claimed.kind === 'pending') return { kind: 'pending' };
    if (claimed.kind === 'held') {
      const record = await this.store.readNumber(concertId, claimed.number);
      const place = { concertId, epoch: record.epoch, number: claimed.number };
      const state = stateOfPlace(record, claimed.number, Date.now());
      if (state.status !== 'GONE')
        return { kind: 'held', view: await this.view(userId, place, state) };
      if (!(await this.store.reclaim(concertId, userId, claimed.number))) return { kind: 'lost' };
    }
    // The place is ours (pending) now; its number, once the line is open and has numbers.
    const taken = next?.kind === 'number' ? next : await this.durability.takeNumber(concertId);
    return { kind: 'claimed', taken };
  }

  /**
   * A new place: this instance's snapshot counts it at once (read again first if it is of an
   * older generation of the line: one before a rebuild), and the fan gets its pass.
   */
  private async joined(
    userId: string,
    concertId: number,
    { number, epoch, gen }: Taken,
    state: PlaceState = { status: 'WAITING', numbersAhead: 0 },
  ): Promise<{ view: TokenView; created: boolean }> {
    const snapshot = await this.snapshots.ofGeneration(concertId, gen);
    snapshot.markJoined(number);
    return { created: true, view: await this.view(userId, { concertId, epoch, number }, state) };
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

/**
 * A number Postgres recorded after a rebuild may have read the line without it (its bits were
 * then not restored), or one of a line that closed: the store says where the place stands.
 */
const mayHaveLostItsPlace = (recorded: IssueOutcome) =>
  recorded.kind === 'stale' || (recorded.kind === 'recorded' && recorded.rebuiltSince);
