import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { providerSigner } from '@ticketing/testing';
import type { FanClient } from './client';
import { seeded } from './crowd';
import { Fan, type FanOutcome } from './fan';
import type { SaleView } from './sale-view';
import type { Check, SeriesGroup } from './model';
import { publishOnSale, type OnSale } from './on-sale';
import { reservationStore, seatsConfirmed } from './seats-sold';
import type { Recorder } from './recorder';
import type { Stage } from './stage';

/** A steady sale: fans at a steady rate, a new concert published as each sells out. */
export interface SoakShape {
  seconds: number;
  fansPerSecond: number;
  seatsPerConcert: number;
  price: number;
  listenShare: number;
  shortShare: number;
  seed: number;
}

// The first minutes fill caches, pools and the JIT: growth is measured after them.
export const WARM_UP_S = 300;
// The window whose lowest heap in use is taken as the live heap: several full collections.
const LIVE_HEAP_WINDOW_S = 300;
// The seconds of arrivals a soak's per-fan memories hold (soakCacheSettings).
const CACHE_FILL_S = 30;
// RSS may grow this much over its value at the end of the warm-up before it is called growth.
const RSS_ALLOWANCE = 0.1;
/**
 * The per-fan memories' bound in a soak (verified identities and passes, budget shares): each
 * new fan adds an entry until the bound, and at the production bounds (20,000 – 200,000) a soak
 * of 20 fans a second would still be filling them at its end — bounded growth, but growth the
 * check could not tell from a leak. Sized so that they are full early in the warm-up in the
 * instance that meets the fewest fans: half a minute of arrivals (a payment instance meets only
 * the buyers, about four in ten, shared by two instances: a bound of half a warm-up's fans, as
 * before, filled there at minute 12 of a soak, the gateway's at minute 9, and their heaps "grew"
 * after the warm-up by what they were still filling). What they weigh at the production bounds
 * is docs/capacity.md's.
 */
export function soakCacheSettings(fansPerSecond: number): Record<string, string> {
  const entries = String(Math.max(1, Math.round(fansPerSecond * CACHE_FILL_S)));
  return {
    IDENTITY_CACHE_ENTRIES: entries,
    QUEUE_PASS_CACHE_ENTRIES: entries,
    GATEWAY_RATE_LIMIT_CLIENTS: entries,
  };
}

/**
 * A heap sized as in a container, not from this machine's 24 GiB: with a larger limit than 2 GB
 * V8 lets a heap grow to four times what it keeps live before it collects (a soak's services
 * swung between 50 and 200 MB of heap with 45 – 60 MB live), so one minute's RSS told nothing
 * of growth; at 256 MB it grows the least between collections. In a container Node sizes the
 * heap from the container's memory limit.
 */
export const SOAK_NODE_ARGS = [
  '--max-old-space-size=256',
  // The young generation sized once (V8's classic 16 MB a semi-space): left to itself on this
  // Node it grows up to 64 MB a semi-space as a busy process's survival rate asks, and a soak's
  // queue instances gained 40 MB of RSS between minutes 4 and 16 with a flat live heap.
  '--min-semi-space-size=16',
  '--max-semi-space-size=16',
];

// What a table may still grow after the warm-up: noise, not growth.
const ROWS_PER_MINUTE = 5;
const MB_PER_MINUTE = 1;
/**
 * The retention a soak runs the services with: windows of minutes, not days, so that retention
 * is seen at work within its half hour.
 */
export const SOAK_RETENTION = { minutes: 2, intervalMs: 10_000 };
// How long a soak's concert stays on sale after it is published (the next one is published while
// the one before sells: a concert sells out in well under a minute at the soak's rate).
const SOAK_SALES_OPEN_S = 180;
// The longest a waiting fan is asked to wait before polling again (the queue's Retry-After).
const TELLING_S = 30;
// A concert not sold out this close to its closing (a slow machine) is left for the next one.
const CLOSING_MARGIN_S = 30;
// Beyond its window and a pass of the purge, what an oldest row's age may show: the sampler
// asks every 5 s, and a purge pass deletes in batches.
const AGE_SLACK_S = 30;

/**
 * Runs the steady sale for `shape.seconds`: each second `fansPerSecond` new fans come for the
 * concert on sale; when its last seat is paid for, the next one (published ahead) goes on sale
 * and the fans still waiting for the old one are told SOLD_OUT. Returns every fan's outcome and
 * the concerts sold.
 */
export async function runSoak(
  stage: Stage,
  client: FanClient,
  recorder: Recorder,
  shape: SoakShape,
  say: (line: string) => void,
): Promise<{ outcomes: FanOutcome[]; concerts: OnSale[]; soldOut: number[] }> {
  const random = seeded(shape.seed);
  const sign = await providerSigner(stage.identityProvider.keysFile);
  const over = { value: false };
  // Sales close minutes after a concert is published, as a date's do when it starts: the queue
  // then retires the line, as it does every sold-out concert's in production. A soak of concerts
  // a month away would keep every line it sold out in Redis and call that growth.
  const publish = () =>
    publishOnSale(stage, {
      seats: shape.seatsPerConcert,
      price: shape.price,
      closesAtMs: Date.now() + SOAK_SALES_OPEN_S * 1000,
    });
  const concerts: OnSale[] = [await publish()];
  let next = publish();
  let sale = saleOf(concerts[0]!);
  const outcomes: FanOutcome[] = [];
  const soldOut: number[] = [];
  const visits: { concertId: number; done: Promise<void> }[] = [];
  function saleOf(onSale: OnSale): SaleView {
    return {
      client,
      recorder,
      concertId: onSale.concertId,
      price: onSale.price,
      over,
      allSold: { value: false },
    };
  }
  // Sold out when the store has every seat paid for: the fans' own count falls short when one
  // stops waiting for a payment that then completes (seats-sold.ts).
  const store = reservationStore(stage);
  let onSaleNow = concerts[0]!;
  const soldOutNow = () =>
    seatsConfirmed(store, onSaleNow.schedules)
      .then((n) => n >= shape.seatsPerConcert)
      .catch(() => false);
  const endAt = Date.now() + shape.seconds * 1000;
  for (let second = 0; Date.now() < endAt; second++) {
    const closing = Date.now() >= onSaleNow.closesAtMs! - CLOSING_MARGIN_S * 1000;
    if (closing || (await soldOutNow())) {
      sale.allSold.value = true;
      if (!closing) soldOut.push(sale.concertId);
      const onSale = await next;
      concerts.push(onSale);
      onSaleNow = onSale;
      next = publish();
      sale = saleOf(onSale);
      say(
        `concert ${concerts.length - 1} ${closing ? 'closing unsold' : 'sold out'}: concert ${onSale.concertId} on sale`,
      );
    }
    const current = sale;
    for (let i = 0; i < shape.fansPerSecond; i++) {
      const userId = randomUUID();
      const identity = await sign({
        sub: userId,
        iss: stage.identityProvider.issuer,
        aud: 'ticketing',
        client_id: userId,
      });
      const persona = {
        listens: random() < shape.listenShare,
        abandonsHold: false,
        shortOfMoney: random() < shape.shortShare,
      };
      visits.push({
        concertId: current.concertId,
        done: new Fan(current, identity, userId, persona).visit().then((outcome) => {
          outcomes.push(outcome);
        }),
      });
    }
    await sleep(1000 - (Date.now() % 1000));
  }
  // A concert sold out just before the end has fans who are yet to poll and hear it: they are
  // given the time a poll may be asked to wait, not cut off as never told.
  const told = visits.filter((v) => soldOut.includes(v.concertId)).map((v) => v.done);
  await Promise.race([Promise.all(told), sleep(TELLING_S * 1000, undefined, { ref: false })]);
  over.value = true;
  await Promise.all(visits.map((v) => v.done));
  await store.destroy();
  await next.then((unsold) => concerts.push(unsold)).catch(() => undefined);
  return { outcomes, concerts, soldOut };
}

/**
 * Growth after the warm-up, per minute, of every memory, table and queue the timeline charts
 * (a least-squares slope over the samples after WARM_UP_S), and the checks a soak must pass:
 * every process's RSS within +10 % of its value at the end of the warm-up (the median of a minute
 * at each end); waiting outbox rows and the saga's table not growing beyond noise; no inbox row
 * older than its retention and a pass of its purge.
 */
export function soakFindings(
  t: number[],
  groups: SeriesGroup[],
  retention = SOAK_RETENTION,
): { slopes: Record<string, number>; checks: Check[] } {
  const slopes: Record<string, number> = {};
  const checks: Check[] = [];
  const after = t.map((s, i) => [s, i] as const).filter(([s]) => s >= WARM_UP_S);
  for (const group of groups) {
    if (!/Memory|Heap|Redis memory|tables|Outbox|Inbox|lag|descriptors/i.test(group.title))
      continue;
    for (const [name, values] of Object.entries(group.series)) {
      const points = after.flatMap(([s, i]) =>
        values[i] === null || values[i] === undefined ? [] : [[s / 60, values[i]!] as const],
      );
      if (points.length < 2) continue;
      slopes[`${group.title}: ${name} (${group.unit})`] = Number(slope(points).toFixed(3));
      if (group.title.startsWith('Memory')) {
        // A minute's median at each end, not one sample: a process sampled just after a garbage
        // collection (a soak's reservation-1: "+34 %" from one low at minute 5, flat after) is
        // not a process that grew.
        const warm = medianOf(points.filter(([m]) => m < WARM_UP_S / 60 + 1));
        const end = medianOf(points.filter(([m]) => m > points.at(-1)![0] - 1));
        checks.push({
          name: `${name}: RSS within +10 % of its value at minute ${WARM_UP_S / 60}`,
          held: end <= warm * (1 + RSS_ALLOWANCE),
          detail: `${Math.round(warm)} MB then, ${Math.round(end)} MB at the end`,
        });
      }
      if (group.title.startsWith('Heap')) {
        // What a leak grows is the heap still in use after a full collection: the lowest of a
        // window that holds several of them, right after the warm-up and at the end.
        const windowMin = LIVE_HEAP_WINDOW_S / 60;
        const warm = Math.min(...lowsIn(points, WARM_UP_S / 60, WARM_UP_S / 60 + windowMin));
        const end = Math.min(...lowsIn(points, points.at(-1)![0] - windowMin, Infinity));
        checks.push({
          name: `${name}: live heap within +10 % of its value at minutes ${WARM_UP_S / 60}–${WARM_UP_S / 60 + windowMin}`,
          held: end <= warm * (1 + RSS_ALLOWANCE),
          detail: `lowest ${warm.toFixed(1)} MB then, ${end.toFixed(1)} MB in the last ${windowMin} minutes`,
        });
      }
    }
  }
  for (const [what, perMinute] of Object.entries(slopes)) {
    // Inbox rows follow the rate of messages (the retention keeps a window of them): their
    // bound is the oldest row's age, below. Waiting outbox rows and the saga's table must not grow.
    const outbox = /^Outbox/.test(what);
    const sagaTable = /saga_steps/.test(what);
    if (!outbox && !sagaTable) continue;
    const bound = outbox ? ROWS_PER_MINUTE : MB_PER_MINUTE;
    checks.push({
      name: `${what.split(' (')[0]}: bounded by its retention`,
      held: perMinute <= bound,
      detail: `${perMinute} per minute after the warm-up (bound ${bound})`,
    });
  }
  const oldest = groups.find((g) => g.title.startsWith('Oldest inbox row'));
  const ageBoundS = retention.minutes * 60 + (2 * retention.intervalMs) / 1000 + AGE_SLACK_S;
  for (const [name, values] of Object.entries(oldest?.series ?? {})) {
    const ages = after.flatMap(([, i]) => (typeof values[i] === 'number' ? [values[i]!] : []));
    if (ages.length === 0) continue;
    const worst = Math.max(...ages);
    checks.push({
      name: `Inbox of ${name}: bounded by its retention`,
      held: worst <= ageBoundS,
      detail: `oldest row ${worst} s old at most after the warm-up (retention ${retention.minutes} min, bound ${ageBoundS} s)`,
    });
  }
  return { slopes, checks };
}

function lowsIn(
  points: readonly (readonly [number, number])[],
  fromMinute: number,
  toMinute: number,
): number[] {
  return points.filter(([m]) => m >= fromMinute && m <= toMinute).map(([, y]) => y);
}

function medianOf(points: readonly (readonly [number, number])[]): number {
  const sorted = points.map(([, y]) => y).sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** The least-squares slope of `points` (x, y). */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
