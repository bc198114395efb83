/**
 * The sale in a synthetic rehearsal report, second by second: fans arriving around the opening,
 * waiting, admitted at the admission rate, holding seats, paying, told SOLD_OUT. A toy model, not
 * a forecast: its only job is to give the report's renderer the shapes a real on-sale has.
 */

/** A seeded generator (mulberry32): the same seed, the same report. */
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

export type Random = () => number;

/** About N(0, 1) (Box–Muller). */
export const gauss = (rng: Random) =>
  Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());

/** `x` rounded up or down at random in proportion: small flows still move, on average right. */
const draw = (rng: Random, x: number) => {
  const whole = Math.floor(Math.max(0, x));
  return whole + (rng() < x - whole ? 1 : 0);
};

/** The faults' windows as the sale feels them, seconds from the start. */
export interface SaleFaults {
  broker: [number, number];
  redis: [number, number];
  postgres: [number, number];
}

export interface SaleSettings {
  fans: number;
  seats: number;
  durationS: number;
  opensAtS: number;
  admitPerSecond: number;
  faults: SaleFaults;
}

/** Fans by state at each second, and what moved them during it. */
export interface Sale {
  waiting: number[];
  admitted: number[];
  holding: number[];
  paid: number[];
  told: number[];
  left: number[];
  joins: number[];
  admissions: number[];
  holds: number[];
  conflicts: number[];
  payments: number[];
  failedPayments: number[];
  toldNow: number[];
  /** Seconds from the start: the last seat sold, and the last waiting fan told SOLD_OUT. */
  soldOutAt?: number;
  lastToldAt?: number;
}

export const within = (s: number, [from, to]: [number, number], after = 0) =>
  s >= from && s < to + after;

/**
 * Arrivals: a few early fans in the waiting room, 80 % within 30 s of the opening (peaking at
 * it), the rest thinning out over four minutes. Exactly `fans` in all.
 */
function arrivals(rng: Random, { fans, durationS, opensAtS }: SaleSettings): number[] {
  const weight = (s: number) => {
    const since = s - opensAtS;
    if (since < -30) return 0;
    if (since < 0) return 0.003 * (1 + since / 30);
    if (since < 30) return 0.075 * Math.exp(-since / 9) + 0.0044;
    return since < 270 ? 0.00085 * Math.exp(-(since - 30) / 110) : 0;
  };
  const raw = Array.from({ length: durationS }, (_, s) =>
    Math.max(0, weight(s) * (1 + 0.12 * gauss(rng))),
  );
  const total = raw.reduce((a, b) => a + b, 0) || 1;
  let cumulative = 0;
  let placed = 0;
  return raw.map((w) => {
    cumulative += (w / total) * fans;
    const next = Math.round(cumulative);
    const n = next - placed;
    placed = next;
    return n;
  });
}

export function simulateSale(rng: Random, settings: SaleSettings): Sale {
  const { seats, durationS, opensAtS, admitPerSecond, faults } = settings;
  const joins = arrivals(rng, settings);
  const sale: Sale = {
    waiting: [],
    admitted: [],
    holding: [],
    paid: [],
    told: [],
    left: [],
    joins,
    admissions: [],
    holds: [],
    conflicts: [],
    payments: [],
    failedPayments: [],
    toldNow: [],
  };
  let [waiting, admitted, holding, paid, told, left] = [0, 0, 0, 0, 0, 0];
  for (let s = 0; s < durationS; s++) {
    const soldOut = sale.soldOutAt !== undefined;
    let toldNow = 0;
    if (soldOut) {
      // Late arrivals are answered SOLD_OUT at once; the line empties at the broadcast's pace.
      const fromLine = Math.min(waiting, draw(rng, 1400 + 150 * gauss(rng)));
      waiting -= fromLine;
      toldNow = joins[s]! + admitted + fromLine;
      admitted = 0;
      if (waiting === 0 && sale.lastToldAt === undefined) sale.lastToldAt = s;
    } else waiting += joins[s]!;

    // Admission stops while the Redis shard holding the line fails over.
    const open = s >= opensAtS && !soldOut && !within(s, faults.redis);
    const admit = open ? Math.min(waiting, draw(rng, admitPerSecond + gauss(rng))) : 0;
    waiting -= admit;
    admitted += admit;

    const attempts = draw(rng, admitted * 0.22 * (1 + 0.1 * gauss(rng)));
    const held = Math.min(attempts, seats - holding - paid);
    // Some of those who lost a seat to someone else give up, and a few others wander off.
    const stayed = admitted - held;
    const givenUp = Math.min(
      stayed,
      draw(rng, (attempts - held) * 0.3) + draw(rng, stayed * 0.004),
    );
    admitted = stayed - givenUp;
    left += givenUp;
    holding += held;

    // Payments complete slowly while a broker is down, then in a burst as the saga catches up.
    const pace = within(s, faults.broker)
      ? 0.15
      : within(s, [faults.broker[1], faults.broker[1] + 12])
        ? 2.4
        : within(s, faults.postgres)
          ? 0.75
          : 1;
    const completed = Math.min(holding, draw(rng, holding * 0.07 * pace));
    const failed = draw(rng, completed * 0.04);
    const released = draw(rng, (holding - completed) * 0.003);
    holding -= completed + released;
    paid += completed - failed;
    left += failed + released;
    if (!soldOut && paid >= seats) sale.soldOutAt = s;

    told += toldNow;
    sale.waiting.push(waiting);
    sale.admitted.push(admitted);
    sale.holding.push(holding);
    sale.paid.push(paid);
    sale.told.push(told);
    sale.left.push(left);
    sale.admissions.push(admit);
    sale.holds.push(held);
    sale.conflicts.push(attempts - held);
    sale.payments.push(completed - failed);
    sale.failedPayments.push(failed);
    sale.toldNow.push(toldNow);
  }
  return sale;
}
