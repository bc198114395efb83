import { parseArgs } from 'node:util';
import type { CrowdShape } from './crowd';
import type { PlanRequest } from './plan';
import { SEATS_PER_DATE } from './on-sale';

/** A rehearsal as the command line asks for it (`npm run rehearse -- --help`). */
export interface RehearsalOptions {
  crowd: CrowdShape;
  seats: number;
  price: number;
  admitPerSecond: number;
  maxActive: number;
  shape: 'production' | 'single';
  instances: number;
  faults: boolean;
  /** The sale ends this many seconds after the first arrival, whatever is left. */
  maxSeconds: number;
  /**
   * A small sale on concerts of its own before the measured one, unrecorded: the brokers, the
   * database and the services compile their hot paths (a broker's JIT takes more than a core for
   * half a minute when the first payments flow), as a cluster that has run for days has.
   */
  warmUpSeconds: number;
  /** A steady sale of this many seconds instead of one on-sale (new concerts as others sell out). */
  soakSeconds?: number;
  /** Fans who come each second during a soak. */
  soakFansPerSecond: number;
  outDir?: string;
  /** Print a capacity plan for another sale from a rehearsal's report instead of running one. */
  plan?: PlanRequest;
  /** Check how well reports' costs (`from`) predict other reports' CPU (`measured`). */
  checkPrediction?: { from: string[]; measured: string[] };
}

export const USAGE = `npm run rehearse -- [flags]
  --fans N            fans who come (5000: what two cores carry in the rush, faults and all)
  --seats N           seats on sale, 50 a date (500)
  --opens-in S        seconds from the first arrival to the opening of sales (60)
  --rush-share F      share of fans arriving around the opening (0.8)
  --rush-before S     the rush starts S seconds before the opening (50; fans wait in line for it)
  --rush-after S      and ends S seconds after it (10)
  --tail S            the other fans arrive over S seconds after the opening (240)
  --admit N           fans admitted per second (QUEUE_ADMIT_PER_SECOND, 100)
  --max-active N      fans admitted at once at most (QUEUE_MAX_ACTIVE, 1000)
  --shape S           production (three brokers, Postgres pair, Redis Cluster) or single
  --instances N       instances of every service (2)
  --faults            a broker, Postgres, a Redis primary and an instance of every service fail in the rush
  --max-seconds S     the sale ends this long after the first arrival (540)
  --warm-up S         a small unrecorded sale of S seconds first, so that the measured one meets
                      warm brokers and services, as a running cluster's (60; 0: none)
  --soak DURATION     a steady sale for DURATION (30m, 600s): memory, tables and lag over time
  --soak-rate N       fans who come each second during a soak (20)
  --listen F, --leave F, --abandon F, --short F
                      shares of fans who wait on the event stream (0.05), leave the line (0.03),
                      let a hold go (0.03), top up too little (0.05)
  --seed N            the crowd's random seed (1)
  --out DIR           where the report goes (bench/results)
  --plan              print a capacity plan instead: with --fans, --seats and --minutes (and
                      --admit, the sale's admission rate; the rehearsal's scaled to the seats if
                      not given), from the last report (or --from FILE[,FILE…]: runs of one sale,
                      fitted together); --write FILE keeps it as JSON (the production overlay's
                      deploy/k8s/overlays/prod/capacity-plan.json)
  --plan --check FULL.json[,FULL2.json…] --from HALF.json[,HALF2.json…]
                      how well the HALF runs' costs predict the FULL runs' CPU, per component
                      (20 % is the goal)`;

/** Flags to options; throws an Error naming the flag for a bad value. */
export function parseRehearsalFlags(argv: string[]): RehearsalOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      fans: { type: 'string', default: '5000' },
      seats: { type: 'string', default: '500' },
      'opens-in': { type: 'string', default: '60' },
      'rush-share': { type: 'string', default: '0.8' },
      'rush-before': { type: 'string', default: '50' },
      'rush-after': { type: 'string', default: '10' },
      tail: { type: 'string', default: '240' },
      // No default here: given with --plan it is the planned sale's rate, absent the rehearsal's.
      admit: { type: 'string' },
      'max-active': { type: 'string', default: '1000' },
      shape: { type: 'string', default: 'production' },
      instances: { type: 'string', default: '2' },
      faults: { type: 'boolean', default: false },
      'max-seconds': { type: 'string', default: '540' },
      'warm-up': { type: 'string', default: '60' },
      soak: { type: 'string' },
      'soak-rate': { type: 'string', default: '20' },
      listen: { type: 'string', default: '0.05' },
      leave: { type: 'string', default: '0.03' },
      abandon: { type: 'string', default: '0.03' },
      short: { type: 'string', default: '0.05' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      plan: { type: 'boolean', default: false },
      minutes: { type: 'string' },
      from: { type: 'string' },
      check: { type: 'string' },
      write: { type: 'string' },
    },
  });
  const int = (flag: keyof typeof values, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const n = Number(values[flag]);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(
        `--${flag}: expected a whole number from ${min} to ${max}, got ${String(values[flag])}`,
      );
    return n;
  };
  const share = (flag: keyof typeof values) => {
    const f = Number(values[flag]);
    if (!(f >= 0 && f <= 1))
      throw new Error(`--${flag}: expected a share from 0 to 1, got ${String(values[flag])}`);
    return f;
  };
  const shape = values.shape;
  if (shape !== 'production' && shape !== 'single')
    throw new Error(`--shape: expected production or single, got ${shape}`);
  const seats = int('seats', 1);
  const fans = int('fans', 1);
  if (values.plan && values.check !== undefined) {
    if (values.from === undefined)
      throw new Error('--plan --check needs --from (the reports to plan from)');
    const from = files('from', values.from);
    const measured = files('check', values.check);
    const both = from.filter((f) => measured.includes(f));
    if (both.length > 0)
      throw new Error(
        `--check and --from both name ${both.join(', ')}: a run cannot predict itself`,
      );
    return { ...defaultsFor(fans, seats), checkPrediction: { from, measured } };
  }
  if (values.plan) {
    if (values.minutes === undefined) throw new Error('--plan needs --minutes (the sale’s length)');
    return {
      ...defaultsFor(fans, seats),
      plan: {
        fans,
        seats,
        minutes: int('minutes', 1),
        ...(values.admit !== undefined && { admitPerSecond: int('admit', 1) }),
        ...(values.from !== undefined && { from: files('from', values.from) }),
        write: values.write,
      },
    };
  }
  values.admit ??= '100';
  const opensAtS = int('opens-in', 0);
  return {
    crowd: {
      fans,
      opensAtS,
      rushShare: share('rush-share'),
      rushBeforeS: Math.min(int('rush-before', 0), opensAtS),
      rushAfterS: int('rush-after', 1),
      tailS: int('tail', 1),
      listenShare: share('listen'),
      leaveShare: share('leave'),
      abandonShare: share('abandon'),
      shortShare: share('short'),
      seed: int('seed', 0),
    },
    seats,
    price: 20_000,
    admitPerSecond: int('admit', 1),
    maxActive: int('max-active', 1),
    shape,
    instances: int('instances', 1, 8),
    faults: values.faults,
    maxSeconds: int('max-seconds', 10),
    warmUpSeconds: int('warm-up', 0, 3600),
    ...(values.soak !== undefined && { soakSeconds: durationSeconds(values.soak) }),
    soakFansPerSecond: int('soak-rate', 1),
    ...(values.out !== undefined && { outDir: values.out }),
  };
}

/** "30m", "90s", "1h" or seconds. */
export function durationSeconds(text: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`--soak: expected a duration such as 30m, 600s or 1h, got ${text}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 's' | 'm' | 'h'];
}

/** `--flag a.json,b.json` → its files; an empty name or one given twice is an error naming the flag. */
function files(flag: 'from' | 'check', list: string): string[] {
  const names = list.split(',').map((f) => f.trim());
  if (names.some((f) => f === ''))
    throw new Error(`--${flag}: expected report files separated by commas, got ${list}`);
  const twice = names.find((f, i) => names.indexOf(f) !== i);
  if (twice) throw new Error(`--${flag}: ${twice} given twice (a run counts once)`);
  return names;
}

/** Dates of 50 seats the on-sale spreads `seats` over. */
export const datesFor = (seats: number) => Math.ceil(seats / SEATS_PER_DATE);

function defaultsFor(fans: number, seats: number): Omit<RehearsalOptions, 'plan'> {
  return {
    crowd: {
      fans,
      opensAtS: 60,
      rushShare: 0.8,
      rushBeforeS: 50,
      rushAfterS: 10,
      tailS: 240,
      listenShare: 0.05,
      leaveShare: 0.03,
      abandonShare: 0.03,
      shortShare: 0.05,
      seed: 1,
    },
    seats,
    price: 20_000,
    admitPerSecond: 100,
    maxActive: 1000,
    shape: 'production',
    instances: 2,
    faults: false,
    maxSeconds: 540,
    warmUpSeconds: 60,
    soakFansPerSecond: 20,
  };
}
