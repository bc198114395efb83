import { identityToken, uuid } from '@ticketing/testing';
import type { Cluster } from './cluster';
import type { Reply } from './system-setup';

/** One call a fan made through the gateway, as the fan saw it (599: no answer at all). */
export interface CallSeen {
  call: string;
  /** Safe to repeat: a GET, or a write carrying an Idempotency-Key. */
  safe: boolean;
  status: number;
  at: number;
  /** Why there was no answer (599): the client's error and its cause, as fetch reports them. */
  detail?: string;
}

/** A fan's payment from the first POST to the answer that said how it ended. */
export interface PaymentSeen {
  reservationId: string;
  paymentId?: string;
  /** The fan's identity token (reads their payment and its saga after the pass is spent). */
  identity: string;
  startedAt: number;
  endedAt?: number;
  status?: string;
}

interface Seat {
  concertId: number;
  scheduleId: number;
  seatNo: number;
}

const SEATS_PER_DATE = 50;
/** One fan in this many tops up too little: their payment fails and the saga compensates. */
const SHORT_OF_MONEY_EVERY = 5;
const PRICE = 20_000;
/** Far beyond the saga's own deadline (its steps' timeouts, a compensation included). */
const PAYMENT_ENDS_WITHIN_MS = 120_000;
/** A provider on the same machine answers in milliseconds: this is for a passing hiccup. */
const LOGIN_WITHIN_MS = 10_000;

/**
 * A sale in progress, as fans' apps drive it through the gateway: fans arrive at a steady rate
 * (open loop: a slow system does not slow the arrivals), each joins the concert's queue, waits
 * until admitted, tops up the wallet, holds a seat of their own and pays, then waits for the
 * outcome. Every call is recorded as the fan saw it. A fan retries what failed as a careful app
 * does: the same request with the same key, a poll again later; never a double purchase.
 */
export class Sale {
  readonly calls: CallSeen[] = [];
  readonly payments: PaymentSeen[] = [];
  private readonly seats: Seat[] = [];
  private readonly journeys: Promise<void>[] = [];
  private timer?: NodeJS.Timeout;
  private failures: Error[] = [];

  private constructor(private readonly cluster: Cluster) {}

  /** A sale of `dates` dates of 50 seats (each of a concert of its own), not started yet. */
  static async open(cluster: Cluster, dates: number): Promise<Sale> {
    const sale = new Sale(cluster);
    for (let d = 0; d < dates; d++) {
      const { concertId, scheduleId } = await cluster.bookableSchedule(PRICE);
      for (let seatNo = 1; seatNo <= SEATS_PER_DATE; seatNo++)
        sale.seats.push({ concertId, scheduleId, seatNo });
    }
    return sale;
  }

  /** Fans arrive at `perSecond` until `stop`, or until the seats run out. */
  start(perSecond: number): this {
    let fan = 0;
    this.timer = setInterval(() => {
      const seat = this.seats.shift();
      if (!seat) return clearInterval(this.timer);
      const n = fan++;
      this.journeys.push(
        this.journey(seat, n % SHORT_OF_MONEY_EVERY === 0).catch((err: Error) => {
          this.failures.push(err);
        }),
      );
    }, 1000 / perSecond);
    return this;
  }

  /** No more arrivals (the fans on their way go on). */
  abort(): void {
    clearInterval(this.timer);
  }

  /** No more arrivals; resolves when every fan that arrived has seen their payment end. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.journeys);
    if (this.failures.length > 0)
      throw new Error(
        `${this.failures.length} fan(s) could not finish: ${this.failures[0]!.message}`,
      );
  }

  private async journey(seat: Seat, shortOfMoney: boolean): Promise<void> {
    const userId = uuid();
    const identity = await logIn(userId);
    const joined = await this.until('POST /queue/tokens', false, () =>
      this.cluster.call('POST', 'queue', '/queue/tokens', identity, { concertId: seat.concertId }),
    );
    const pass = joined.body.token as string;
    await this.until('GET /queue/tokens/me', true, async () => {
      const res = await this.cluster.call('GET', 'queue', '/queue/tokens/me', pass);
      return res.status === 200 && res.body.status !== 'ACTIVE' ? { ...res, status: 425 } : res;
    });
    const topUp = uuid();
    await this.until('POST /wallets/{id}/charges', true, () =>
      this.cluster.call(
        'POST',
        'wallet',
        `/wallets/${userId}/charges`,
        identity,
        { amount: shortOfMoney ? PRICE / 4 : PRICE },
        { 'idempotency-key': topUp },
      ),
    );
    const hold = await this.until('POST /reservations', false, async () => {
      const res = await this.cluster.call('POST', 'reservation', '/reservations', pass, {
        scheduleId: seat.scheduleId,
        seatNo: seat.seatNo,
      });
      // A hold cut after it was sent (502) may have been made: the seat is then the fan's own.
      return res.status === 409 ? this.ownHold(identity, seat, res) : res;
    });
    const payment: PaymentSeen = {
      reservationId: hold.body.reservationId as string,
      identity,
      startedAt: Date.now(),
    };
    this.payments.push(payment);
    const key = uuid();
    let answer = await this.until('POST /payments', true, async () => {
      const res = await this.cluster.call(
        'POST',
        'payment',
        '/payments',
        pass,
        { reservationId: payment.reservationId },
        { 'idempotency-key': key, prefer: 'wait=20' },
      );
      // The pass is spent once the payment completes (API.md): a repeat of a request that was
      // answered too late finds the payment with the fan's identity instead.
      return res.status === 401 ? this.paymentOf(identity, payment.reservationId, res) : res;
    });
    // Bounded: a payment that never ends fails the fan's journey, naming it.
    const deadline = Date.now() + PAYMENT_ENDS_WITHIN_MS;
    while (answer.body.status === 'PENDING') {
      if (Date.now() > deadline)
        throw new Error(`payment ${String(answer.body.paymentId)} still PENDING after 120 s`);
      await pause(500);
      answer = await this.until('GET /payments/{id}', true, () =>
        this.cluster.call('GET', 'payment', `/payments/${answer.body.paymentId}`, identity),
      );
    }
    payment.endedAt = Date.now();
    payment.status = answer.body.status as string;
    payment.paymentId = answer.body.paymentId as string;
  }

  private async paymentOf(identity: string, reservationId: string, refused: Reply): Promise<Reply> {
    const mine = await this.cluster.call(
      'GET',
      'payment',
      `/payments?reservationId=${reservationId}`,
      identity,
    );
    if (mine.status !== 200) return mine;
    const [payment] = (mine.body.items as Record<string, unknown>[] | undefined) ?? [];
    return payment ? { ...mine, body: payment } : refused;
  }

  private async ownHold(identity: string, seat: Seat, refused: Reply): Promise<Reply> {
    const mine = await this.cluster.call(
      'GET',
      'reservation',
      '/reservations?status=HELD',
      identity,
    );
    const held = (
      mine.body.items as { reservationId: string; scheduleId: number; seatNo: number }[] | undefined
    )?.find((r) => r.scheduleId === seat.scheduleId && r.seatNo === seat.seatNo);
    return held ? { ...mine, status: 201, body: { reservationId: held.reservationId } } : refused;
  }

  /** The saga of a payment, step by step with the time of each (where a slow one waited). */
  async sagaOf(payment: PaymentSeen): Promise<string> {
    const saga = await this.cluster.call(
      'GET',
      'payment',
      `/payments/${payment.paymentId}/saga`,
      payment.identity,
    );
    const steps = (saga.body.steps as { step: string; status: string; at: string }[]) ?? [];
    return steps
      .map(
        (s) =>
          `${((Date.parse(s.at) - payment.startedAt) / 1000).toFixed(1)}s ${s.step} ${s.status}`,
      )
      .join(' → ');
  }

  /**
   * Sends until the answer is a success, recording each answer; a 4xx other than 425 (not yet)
   * is a fan's journey gone wrong, which the test reports.
   */
  private async until(call: string, safe: boolean, send: () => Promise<Reply>): Promise<Reply> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const reply = await send().catch((err: unknown): Reply => ({
        status: 599,
        headers: new Headers(),
        body: { err: whyNoAnswer(err) },
      }));
      if (reply.status !== 425)
        this.calls.push({
          call,
          safe,
          status: reply.status,
          at: Date.now(),
          ...(reply.status === 599 && { detail: String(reply.body.err) }),
        });
      if (reply.status < 300) return reply;
      if (
        reply.status < 500 &&
        reply.status !== 425 &&
        reply.status !== 429 &&
        !stillRunning(reply)
      )
        throw new Error(`${call} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      if (Date.now() > deadline)
        throw new Error(`${call} still failing after 120 s (${reply.status})`);
      await pause(reply.status === 425 ? 100 : 250);
    }
  }
}

/**
 * The wallet's answer to a keyed request whose first attempt it still counts as running ("retry
 * shortly"): a careful app retries it with the same key. A failover can leave that first
 * attempt's claim behind (its release could not reach the database) until the claim goes stale.
 */
function stillRunning(reply: Reply): boolean {
  return reply.status === 409 && reply.body.code === 'IDEMPOTENCY_KEY_IN_USE';
}

/**
 * The fan's app logs in at the identity provider (the test run's own, not part of the system
 * under fault, and not reached through the gateway). A login that got no answer is tried again,
 * as a careful app does; a refusal is not.
 */
async function logIn(userId: string): Promise<string> {
  const deadline = Date.now() + LOGIN_WITHIN_MS;
  for (;;) {
    try {
      return await identityToken(userId);
    } catch (err) {
      // fetch reports no answer (a refused or closed connection) as a TypeError.
      if (!(err instanceof TypeError) || Date.now() > deadline)
        throw new Error(`logging in at the identity provider: ${whyNoAnswer(err)}`);
      await pause(250);
    }
  }
}

/**
 * A client error with what caused it: fetch says only "fetch failed" and keeps the reason (a
 * socket closed by the other side, a refused connection) in its cause.
 */
export function whyNoAnswer(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as (Error & { code?: string }) | undefined;
  if (!(cause instanceof Error)) return err.message;
  return `${err.message} (${[cause.code, cause.message].filter(Boolean).join(': ')})`;
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
