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
// RSS may grow this much over its value at the end of the warm-up before it is called growth.
const RSS_ALLOWANCE = 0.1;
// What a table kept by retention may still grow after the warm-up: noise, not growth.
const ROWS_PER_MINUTE = 5;
const MB_PER_MINUTE = 1;

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
  const publish = () =>
    publishOnSale(stage, {
      seats: shape.seatsPerConcert,
      price: shape.price,
    });
  const concerts: OnSale[] = [await publish()];
  let next = publish();
  let sale = saleOf(concerts[0]!);
  const outcomes: FanOutcome[] = [];
  const soldOut: number[] = [];
  const visits: Promise<void>[] = [];
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
    if (await soldOutNow()) {
      sale.allSold.value = true;
      soldOut.push(sale.concertId);
      const onSale = await next;
      concerts.push(onSale);
      onSaleNow = onSale;
      next = publish();
      sale = saleOf(onSale);
      say(`concert ${concerts.length - 1} sold out: concert ${onSale.concertId} on sale`);
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
      visits.push(
        new Fan(current, identity, userId, persona).visit().then((outcome) => {
          outcomes.push(outcome);
        }),
      );
    }
    await sleep(1000 - (Date.now() % 1000));
  }
  over.value = true;
  await Promise.all(visits);
  await store.destroy();
  await next.then((unsold) => concerts.push(unsold)).catch(() => undefined);
  return { outcomes, concerts, soldOut };
}

/**
 * Growth after the warm-up, per minute, of every memory, table and queue the timeline charts
 * (a least-squares slope over the samples after WARM_UP_S), and the checks a soak must pass:
 * every process's RSS within +10 % of its value at the end of the warm-up (the median of a minute
 * at each end); outbox, inbox and saga tables bounded by their retention (no growth beyond noise).
 */
export function soakFindings(
  t: number[],
  groups: SeriesGroup[],
): { slopes: Record<string, number>; checks: Check[] } {
  const slopes: Record<string, number> = {};
  const checks: Check[] = [];
  const after = t.map((s, i) => [s, i] as const).filter(([s]) => s >= WARM_UP_S);
  for (const group of groups) {
    if (!/Memory|Redis memory|tables|Outbox|Inbox|lag|descriptors/i.test(group.title)) continue;
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
    }
  }
  for (const [what, perMinute] of Object.entries(slopes)) {
    const rows = /^(Outbox|Inbox)/.test(what);
    const sagaTable = /saga_steps/.test(what);
    if (!rows && !sagaTable) continue;
    // Rows: a handful a minute is noise; a table's size in MB: a megabyte a minute is growth.
    const bound = rows ? ROWS_PER_MINUTE : MB_PER_MINUTE;
    checks.push({
      name: `${what.split(' (')[0]}: bounded by its retention`,
      held: perMinute <= bound,
      detail: `${perMinute} per minute after the warm-up (bound ${bound})`,
    });
  }
  return { slopes, checks };
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
