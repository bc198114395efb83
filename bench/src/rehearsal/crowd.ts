import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { providerSigner } from '@ticketing/testing';
import { Fan, type FanOutcome, type FanPersona } from './fan';
import type { SaleView } from './sale-view';

/** How fans arrive and behave, as the flags set it. */
export interface CrowdShape {
  fans: number;
  /** Seconds from the first arrival to the opening of sales. */
  opensAtS: number;
  /** The share of fans who arrive around the opening (the rest come in a tail after it). */
  rushShare: number;
  /** The rush: from `rushBeforeS` before the opening to `rushAfterS` after it. */
  rushBeforeS: number;
  rushAfterS: number;
  /** The tail: the other fans arrive over this many seconds after the opening. */
  tailS: number;
  /** Shares of fans who listen on the event stream, leave the line, abandon a hold, pay short. */
  listenShare: number;
  leaveShare: number;
  abandonShare: number;
  shortShare: number;
  seed: number;
}

/** A small deterministic generator (mulberry32): the same seed, the same crowd. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * When each fan arrives (seconds from the start, sorted) and who they are: most around the
 * opening, the rest in a tail after it, thinning out (an exponential decay over the tail).
 */
export function arrivals(shape: CrowdShape): { atS: number; persona: FanPersona }[] {
  const random = seeded(shape.seed);
  const rush = Math.round(shape.fans * shape.rushShare);
  const fans: { atS: number; persona: FanPersona }[] = [];
  for (let i = 0; i < shape.fans; i++) {
    const atS =
      i < rush
        ? shape.opensAtS - shape.rushBeforeS + random() * (shape.rushBeforeS + shape.rushAfterS)
        : shape.opensAtS + tailOffset(random(), shape.tailS);
    fans.push({
      atS: Math.max(0, atS),
      persona: {
        listens: random() < shape.listenShare,
        ...(random() < shape.leaveShare && { leavesAfterS: 5 + random() * 60 }),
        abandonsHold: random() < shape.abandonShare,
        shortOfMoney: random() < shape.shortShare,
      },
    });
  }
  return fans.sort((a, b) => a.atS - b.atS);
}

/** An offset in [0, tailS) whose density falls off exponentially (most early in the tail). */
function tailOffset(u: number, tailS: number): number {
  const rate = 3 / tailS;
  return Math.min(tailS, -Math.log(1 - u * (1 - Math.exp(-rate * tailS))) / rate);
}

/**
 * The crowd: every fan's identity signed before the sale (as the provider would have issued it
 * earlier), then each fan started at their arrival time, each visit running on its own.
 */
export class Crowd {
  readonly outcomes: FanOutcome[] = [];
  private readonly visits: Promise<void>[] = [];
  private failures: unknown[] = [];

  private constructor(
    private readonly sale: SaleView,
    private readonly fans: { atS: number; persona: FanPersona; userId: string; identity: string }[],
  ) {}

  static async prepare(
    sale: SaleView,
    shape: CrowdShape,
    provider: { keysFile: string; issuer: string },
  ): Promise<Crowd> {
    const sign = await providerSigner(provider.keysFile);
    const fans = [];
    for (const fan of arrivals(shape)) {
      const userId = randomUUID();
      const identity = await sign({
        sub: userId,
        iss: provider.issuer,
        aud: 'ticketing',
        client_id: userId,
      });
      fans.push({ ...fan, userId, identity });
    }
    return new Crowd(sale, fans);
  }

  /** Starts every fan at their time (seconds from now); resolves once every fan has arrived. */
  async arrive(): Promise<void> {
    const start = Date.now();
    for (const fan of this.fans) {
      const wait = start + fan.atS * 1000 - Date.now();
      if (wait > 0) await sleep(wait);
      if (this.sale.over.value) return;
      const visit = new Fan(this.sale, fan.identity, fan.userId, fan.persona);
      this.visits.push(
        visit.visit().then(
          (outcome) => void this.outcomes.push(outcome),
          (err: unknown) => void this.failures.push(err),
        ),
      );
    }
  }

  /** Resolves once every fan who arrived has finished (their journey, or the sale's end). */
  async finished(): Promise<void> {
    await Promise.all(this.visits);
    if (this.failures.length > 0)
      throw new Error(`${this.failures.length} fan(s) failed: ${String(this.failures[0])}`);
  }

  get arrived(): number {
    return this.visits.length;
  }
}
