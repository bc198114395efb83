import type { SeriesGroup } from './model';
import { jitter, perSecond, type Drive } from './sample-latency';
import { within } from './sample-sale';

type Series = Record<string, (number | null)[]>;

/** What each service's instances do per second, shared evenly (cores, all instances together). */
function serviceLoad({ sale }: Drive): Record<string, (s: number) => number> {
  const requests = (s: number) =>
    sale.joins[s]! + sale.waiting[s]! * 0.2 + sale.admitted[s]! * 0.8 + sale.holds[s]!;
  return {
    gateway: (s) => 0.02 + requests(s) * 0.00011,
    queue: (s) => 0.015 + sale.joins[s]! * 0.0004 + sale.waiting[s]! * 0.000005,
    concert: (s) => 0.008 + sale.admitted[s]! * 0.0004,
    reservation: (s) => 0.01 + sale.holds[s]! * 0.004 + sale.conflicts[s]! * 0.002,
    wallet: (s) => 0.008 + sale.payments[s]! * 0.003,
    payment: (s) => 0.01 + sale.payments[s]! * 0.005,
  };
}

const instancesOf = (d: Drive, service: string) =>
  Array.from({ length: d.instances }, (_, i) => `${service}-${i + 1}`);

/**
 * CPU of every service instance. The queue's second instance is killed mid-rush: its CPU falls
 * to zero while the first carries the line alone, then spikes as it starts and fans reconnect.
 */
function serviceCpu(d: Drive): Series {
  const load = serviceLoad(d);
  const back = d.faults.queueKill[1];
  const series: Series = {};
  for (const [service, cores] of Object.entries(load))
    instancesOf(d, service).forEach((name, i) => {
      series[name] = perSecond(d.durationS, (s) => {
        const share = cores(s) / d.instances;
        if (service !== 'queue' || d.instances < 2) return share * jitter(d.rng);
        if (within(s, d.faults.queueKill)) return i === 1 ? 0 : cores(s) * jitter(d.rng);
        const restart = i === 1 && within(s, [back, back + 4]) ? 0.35 : 0;
        return (share + restart) * jitter(d.rng);
      });
    });
  return series;
}

/** The first seconds of shard a's failover: no primary to sample until its replica takes over. */
const redisPrimaryGone = (d: Drive) => (s: number) =>
  within(s, [d.faults.redis[0], d.faults.redis[0] + 3]);

/** CPU of the brokers, the Postgres pair and the Redis shards; a stopped broker has no sample. */
function infraCpu(d: Drive): Series {
  const { rng, sale, faults, durationS } = d;
  const primaryGone = redisPrimaryGone(d);
  const messages = (s: number) => sale.payments[s]! * 9 + sale.holds[s]! * 2;
  const brokerDown = (s: number) => within(s, faults.broker);
  const series: Series = {};
  for (const b of [1, 2, 3])
    series[`kafka-${b}`] = perSecond(durationS, (s) =>
      b === 2 && brokerDown(s)
        ? null
        : (0.03 + messages(s) * 0.0003 * (brokerDown(s) ? 1.4 : 1)) * jitter(rng),
    );
  series['postgres primary'] = perSecond(durationS, (s) => {
    const work = 0.04 + sale.holds[s]! * 0.006 + sale.payments[s]! * 0.01;
    return work * (within(s, faults.postgres) ? 0.8 : 1) * jitter(rng);
  });
  series['postgres replica'] = perSecond(
    durationS,
    (s) => (0.015 + sale.payments[s]! * 0.002) * jitter(rng),
  );
  for (const shard of ['a', 'b', 'c'])
    series[`redis-${shard}`] = perSecond(durationS, (s) => {
      if (shard === 'a' && primaryGone(s)) return null;
      return (0.01 + (sale.joins[s]! * 0.0009 + sale.waiting[s]! * 0.000004) / 3) * jitter(rng);
    });
  return series;
}

/** Resident memory: the queue holds a stream per waiting fan; a killed process has no sample. */
function serviceRss(d: Drive): Series {
  const base: Record<string, number> = {
    gateway: 92,
    queue: 118,
    concert: 104,
    reservation: 112,
    wallet: 98,
    payment: 116,
  };
  const [, back] = d.faults.queueKill;
  const series: Series = {};
  for (const [service, mb] of Object.entries(base))
    instancesOf(d, service).forEach((name, i) => {
      series[name] = perSecond(d.durationS, (s) => {
        const paid = d.sale.paid[s]!;
        const streams = service === 'queue' || service === 'gateway' ? d.sale.waiting[s]! : 0;
        const grown = mb + (streams * 0.0035) / d.instances + paid * 0.004;
        if (service !== 'queue' || i !== 1) return grown * jitter(d.rng, 0.01);
        if (within(s, d.faults.queueKill)) return null;
        const warm = Math.min(1, (s - back) / 20);
        return s >= back ? (70 + (grown - 70) * warm) * jitter(d.rng, 0.01) : grown;
      });
    });
  return series;
}

function infraRss(d: Drive): Series {
  const { rng, sale, faults, durationS } = d;
  const series: Series = {};
  // Brokers' page cache grows with the messages written so far.
  const cumulative = (s: number) => sale.paid[s]! + s * 0.05;
  for (const b of [1, 2, 3])
    series[`kafka-${b}`] = perSecond(durationS, (s) =>
      b === 2 && within(s, faults.broker)
        ? null
        : (680 + 40 * b + cumulative(s) * 0.03) * jitter(rng, 0.004),
    );
  series['postgres primary'] = perSecond(durationS, (s) => 340 + sale.paid[s]! * 0.02);
  series['postgres replica'] = perSecond(durationS, (s) => 270 + sale.paid[s]! * 0.015);
  for (const [shard, used] of Object.entries(redisUsed(d)))
    series[`redis-${shard}`] = used.map((v) => (v === null ? null : v + 11));
  return series;
}

/**
 * Memory each Redis shard uses: shard a holds the line (a few bytes per waiting fan), b the
 * passes of admitted fans, c the gateway's budgets. A primary failing over has no sample.
 */
function redisUsed(d: Drive): Series {
  const { sale, durationS } = d;
  const primaryGone = redisPrimaryGone(d);
  let joined = 0;
  return {
    a: perSecond(durationS, (s) =>
      primaryGone(s) ? null : 2.4 + (sale.waiting[s]! + sale.admitted[s]!) * 0.00016,
    ),
    b: perSecond(durationS, (s) => 1.9 + (joined += sale.joins[s]!) * 0.00004),
    c: perSecond(durationS, (s) => 1.6 + sale.joins[s]! * 0.0006 + sale.waiting[s]! * 0.00002),
  };
}

/**
 * A backlog that grows by `inflow` each second of `window` and drains at `drain` afterwards,
 * over a small steady noise: consumer lag and unrelayed outbox rows while a broker is down.
 */
function backlog(d: Drive, inflow: number, drain: number, steady: number): (number | null)[] {
  let level = 0;
  return perSecond(d.durationS, (s) => {
    level = within(s, d.faults.broker)
      ? level + inflow * d.sale.holding[s]! * 0.01 * Math.max(0.1, 1 + 0.2 * d.rng())
      : Math.max(0, level - drain);
    return Math.round(level + steady * d.rng() * (d.sale.payments[s]! > 0 ? 1 : 0.1));
  });
}

function lag(d: Drive): Series {
  return {
    'payment (replies)': backlog(d, 9, 70, 6),
    'reservation (commands)': backlog(d, 5, 55, 4),
    'wallet (commands)': backlog(d, 4, 60, 4),
    'concert (seat events)': backlog(d, 3, 80, 3),
    'queue (sales)': backlog(d, 1, 50, 2),
  };
}

function boxes(d: Drive): Series {
  let messages = 0;
  const inbox = (perPayment: number) =>
    perSecond(d.durationS, (s) => {
      messages = d.sale.paid[s]! + d.sale.left[s]! * 0.02;
      return Math.round(messages * perPayment);
    });
  return {
    'outbox payment': backlog(d, 14, 90, 5),
    'outbox reservation': backlog(d, 6, 80, 3),
    'outbox wallet': backlog(d, 5, 80, 3),
    'inbox payment': inbox(2),
    'inbox reservation': inbox(2),
    'inbox wallet': inbox(1),
  };
}

function storage({ sale, durationS }: Drive): Series {
  let holds = 0;
  return {
    holds: perSecond(durationS, (s) => 1.2 + (holds += sale.holds[s]!) * 0.00035),
    payments: perSecond(durationS, (s) => 0.8 + sale.paid[s]! * 0.0006),
    ledger: perSecond(durationS, (s) => 2.4 + sale.paid[s]! * 0.0004),
    'outbox and inbox': perSecond(durationS, (s) => 0.5 + sale.paid[s]! * 0.0012),
  };
}

/** The processes' and stores' charts, in the report's order. */
export function systemGroups(d: Drive): SeriesGroup[] {
  return [
    { title: 'CPU of each service instance', unit: 'cores', series: serviceCpu(d) },
    { title: 'CPU of the infrastructure', unit: 'cores', series: infraCpu(d) },
    { title: 'memory of each service instance', unit: 'MB RSS', series: serviceRss(d) },
    { title: 'memory of the infrastructure', unit: 'MB RSS', series: infraRss(d) },
    { title: 'consumer lag per group', unit: 'messages', series: lag(d) },
    { title: 'outbox and inbox sizes', unit: 'rows', series: boxes(d) },
    {
      title: 'Redis memory per shard',
      unit: 'MB used',
      series: Object.fromEntries(
        Object.entries(redisUsed(d)).map(([shard, used]) => [`shard ${shard}`, used]),
      ),
    },
    { title: 'Postgres table sizes', unit: 'MB', series: storage(d) },
  ];
}
