import { setTimeout as sleep } from 'node:timers/promises';
import { GaveUp, holdASeat, patiently, pay, topUp } from './fan-steps';
import type { FanState } from './recorder';
import type { SaleView } from './sale-view';

/** What kind of fan this is: how they wait, and whether they buy as a careful app does. */
export interface FanPersona {
  /** Waits on the event stream rather than by polling. */
  listens: boolean;
  /** Leaves the line after this many seconds of waiting (undefined: stays). */
  leavesAfterS?: number;
  /** Holds a seat and lets it go without paying. */
  abandonsHold: boolean;
  /** Tops up too little: the payment fails and the saga compensates. */
  shortOfMoney: boolean;
}

/** How a fan's journey ended, and what the rehearsal checks against the stores. */
export interface FanOutcome {
  userId: string;
  concertId: number;
  state: FanState;
  /** Their place's number (from the pass's token id), for the fairness audit. */
  tokenId?: string;
  joinedAtS?: number;
  admittedAtS?: number;
  toldSoldOutAtS?: number;
  paidAtS?: number;
  /** Seconds spent waiting in line (joined → admitted, told sold out, or left). */
  waitedS: number;
  /** Why a fan who gave up did (the step whose answers never came right, a place lost too often). */
  gaveUpOn?: string;
}

// How often an admitted fan who found no free seat looks at the seat map again.
const SEATS_AGAIN_MS = 5000;
// How many times a fan whose place was lost (their pass answers 401 while waiting) joins again.
const REJOINS = 3;

/**
 * One fan's whole visit, as a fan's app drives it through the gateway: join the line, wait (on
 * the event stream, or polling as Retry-After says), and once admitted read the dates and the
 * live seat map, hold a free seat (another if it is taken), top up when the wallet is short, pay
 * and wait for the saga's outcome. A fan still waiting when nothing is left is told SOLD_OUT.
 */
export class Fan {
  private state: FanState | undefined;
  private readonly outcome: FanOutcome;

  constructor(
    private readonly sale: SaleView,
    readonly identity: string,
    readonly userId: string,
    private readonly persona: FanPersona,
  ) {
    this.outcome = { userId, concertId: sale.concertId, state: 'arriving', waitedS: 0 };
  }

  async visit(): Promise<FanOutcome> {
    this.outcome.concertId = this.sale.concertId;
    this.move('arriving');
    try {
      let pass = await this.join();
      for (let rejoins = 0; pass; rejoins++) {
        const waited = await this.waitInLine(pass);
        if (waited === 'admitted') await this.buy(pass);
        if (waited !== 'lost') break;
        // The place was lost (dropped as idle while a poll waited): an app joins again, at the
        // back of the line, and says so; the queue's audit counts the drop.
        if (rejoins === REJOINS) {
          this.stopWaiting(`place lost ${REJOINS + 1} times`);
          break;
        }
        this.sale.recorder.event('rejoined');
        pass = await this.join();
      }
    } catch (err) {
      if (!(err instanceof GaveUp)) throw err;
      this.outcome.gaveUpOn = err.message;
      this.move('gaveUp');
    }
    return { ...this.outcome, state: this.state! };
  }

  private async join(): Promise<string | undefined> {
    const answer = await patiently(this.sale, 'join', () =>
      this.sale.client.call('POST', '/queue/tokens', {
        step: 'join',
        bearer: this.identity,
        body: { concertId: this.sale.concertId },
      }),
    );
    if (answer.status !== 201 && answer.status !== 200) throw new GaveUp(`join ${answer.status}`);
    this.outcome.tokenId = answer.body.tokenId as string;
    this.outcome.joinedAtS = this.sale.recorder.now();
    this.sale.recorder.event('joined');
    this.move('waiting');
    if (answer.body.status === 'ACTIVE') return this.admitted(answer.body.token as string);
    return answer.body.token as string;
  }

  /**
   * 'admitted'; 'lost' when the pass answers 401 while waiting (the place was dropped); 'ended'
   * when told sold out, when the fan left, or when the sale ended.
   */
  private async waitInLine(pass: string): Promise<'admitted' | 'lost' | 'ended'> {
    const ended = (admitted: boolean) => (admitted ? 'admitted' : 'ended');
    if (this.state === 'admitted') return 'admitted';
    const leaveAt =
      this.persona.leavesAfterS === undefined
        ? Infinity
        : this.sale.recorder.now() + this.persona.leavesAfterS;
    if (this.persona.listens) {
      const heard = await this.listen(pass, leaveAt);
      if (heard !== undefined) return ended(heard);
    }
    for (;;) {
      if (this.sale.over.value) return ended(this.stopWaiting());
      if (this.sale.recorder.now() >= leaveAt) return ended(await this.leave(pass));
      const answer = await patiently(this.sale, 'poll', () =>
        this.sale.client.call('GET', '/queue/tokens/me', { step: 'poll', bearer: pass }),
      );
      if (answer.status === 401) return 'lost';
      const status = answer.body.status as string;
      if (status === 'ACTIVE') return ended(Boolean(this.admitted(pass)));
      // Seats held by payments that fail come back: until every seat is paid for, a fan told
      // SOLD_OUT keeps their place and asks again later, as the queue's Retry-After says.
      if (status === 'SOLD_OUT' && this.sale.allSold.value) return ended(this.toldSoldOut());
      const retryAfter = Number(answer.headers['retry-after'] ?? 1);
      await sleep(1000 * Math.min(retryAfter, Math.max(0, leaveAt - this.sale.recorder.now())));
    }
  }

  /**
   * Waits on the event stream; undefined when it ended without an answer (the fan polls then,
   * as an app whose stream dropped does).
   */
  private async listen(pass: string, leaveAt: number): Promise<boolean | undefined> {
    let result: 'active' | 'sold-out' | undefined;
    const stream = this.sale.client.stream('/queue/tokens/me/events', pass, (event, data) => {
      if (event === 'active' || data.status === 'ACTIVE') result = 'active';
      if (event === 'sold-out' || data.status === 'SOLD_OUT') result = 'sold-out';
      if (result) stream.stop();
    });
    const leaving = Number.isFinite(leaveAt)
      ? setTimeout(() => stream.stop(), 1000 * Math.max(0, leaveAt - this.sale.recorder.now()))
      : undefined;
    const over = setInterval(() => this.sale.over.value && stream.stop(), 1000);
    await stream.ended;
    clearTimeout(leaving);
    clearInterval(over);
    if (result === 'active') return Boolean(this.admitted(pass));
    if (result === 'sold-out' && this.sale.allSold.value) return this.toldSoldOut();
    if (this.sale.over.value) return this.stopWaiting();
    if (this.sale.recorder.now() >= leaveAt) return this.leave(pass);
    return undefined;
  }

  private async buy(pass: string): Promise<void> {
    let hold = await holdASeat(this.sale, { pass, identity: this.identity });
    // Nothing free now: seats held by payments that fail come back while the pass is active.
    while (!hold && !this.sale.allSold.value && !this.sale.over.value) {
      await sleep(SEATS_AGAIN_MS);
      hold = await holdASeat(this.sale, { pass, identity: this.identity });
    }
    if (!hold) return void this.toldSoldOut();
    this.move('holding');
    if (this.persona.abandonsHold) return this.letGo(pass, hold, 'left');
    await topUp(
      this.sale,
      this,
      this.persona.shortOfMoney ? Math.floor(this.sale.price / 2) : this.sale.price,
    );
    this.move('paying');
    let paid = await pay(this.sale, { pass, identity: this.identity }, hold);
    // Too little money: the saga gave the seat back to the hold; the fan tops up and pays again.
    if (paid === 'INSUFFICIENT_BALANCE') {
      await topUp(this.sale, this, this.sale.price);
      paid = await pay(this.sale, { pass, identity: this.identity }, hold);
    }
    if (paid !== 'COMPLETED') return this.letGo(pass, hold, 'failed');
    this.outcome.paidAtS = this.sale.recorder.now();
    this.sale.recorder.event('sold');
    this.move('paid');
  }

  /** The fan lets the hold go (the seat goes back on sale at once, not when the hold expires). */
  private async letGo(pass: string, hold: string, to: FanState): Promise<void> {
    await this.sale.client.call('DELETE', `/reservations/${hold}`, {
      step: 'release',
      bearer: pass,
    });
    this.move(to);
  }

  private admitted(pass: string): string {
    this.outcome.admittedAtS = this.sale.recorder.now();
    this.outcome.waitedS = this.outcome.admittedAtS - (this.outcome.joinedAtS ?? 0);
    this.sale.recorder.event('admitted');
    this.move('admitted');
    return pass;
  }

  private toldSoldOut(): false {
    this.outcome.toldSoldOutAtS = this.sale.recorder.now();
    this.settleWait();
    this.move('soldOut');
    return false;
  }

  private async leave(pass: string): Promise<false> {
    await this.sale.client.call('DELETE', '/queue/tokens/me', { step: 'leave', bearer: pass });
    this.settleWait();
    this.move('left');
    return false;
  }

  /** The load generator ended the sale while this fan still waited (or the fan gave up). */
  private stopWaiting(why = 'the sale ended'): false {
    this.outcome.gaveUpOn = why;
    this.settleWait();
    this.move('gaveUp');
    return false;
  }

  private settleWait(): void {
    if (this.outcome.joinedAtS !== undefined && this.state === 'waiting')
      this.outcome.waitedS = this.sale.recorder.now() - this.outcome.joinedAtS;
  }

  private move(to: FanState): void {
    this.sale.recorder.move(this.state, to);
    this.state = to;
  }
}
