import type { Check, RehearsalMeta, RehearsalReport, RehearsalSummary } from './model';
import { clock, count, duration, esc, faultTag, figure, millis } from './report-format';

/** The title: the sale's size and shape, what a reader first wants to know. */
export function heading(meta: RehearsalMeta): string {
  const title = `${count(meta.fans)} fans for ${count(meta.seats)} seats`;
  const shape = meta.shape === 'production' ? 'production shape' : 'single shape';
  const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;
  const sale = [
    `${plural(meta.instances, 'instance')} of each service`,
    plural(meta.dates, 'date'),
    `arrivals: ${meta.arrival}`,
    `admitting ${figure(meta.admitPerSecond)} fans/s`,
    `sales open at ${clock(meta.opensAtS)}`,
    meta.faults ? 'faults injected' : 'no faults',
    ...(meta.soak ? ['soak'] : []),
  ];
  const run = [
    `started ${meta.startedAt}`,
    `${duration(meta.durationS)} measured`,
    `commit ${meta.commit}`,
    `Node ${meta.node}`,
    `${plural(meta.cores, 'core')}, ${figure(meta.memoryGiB)} GiB`,
  ];
  return [
    `<header><p class="kicker">Rehearsal of an on-sale</p>`,
    `<h1>${esc(title)} <span class="shape">${esc(shape)}</span></h1>`,
    `<p class="sale">${sale.map(esc).join(' · ')}</p>`,
    `<p class="run">${run.map(esc).join(' · ')}</p></header>`,
  ].join('');
}

interface Tile {
  label: string;
  value: string;
  /** Set smaller after the value, so the figure itself stays on one line. */
  unit?: string;
  note: string;
  tone?: 'good' | 'bad';
}

/** The figures a reader looks for first, each a tile: value large, what it means small. */
export function figures(report: RehearsalReport): string {
  const s = report.summary;
  const held = s.checks.filter((c) => c.held).length;
  const tiles: Tile[] = [
    s.sellOutS === undefined
      ? { label: 'Sold out', value: 'no', note: 'seats were left at the end', tone: 'bad' }
      : { label: 'Sold out in', value: duration(s.sellOutS), note: 'from the opening' },
    {
      label: 'Tickets sold',
      value: count(s.ticketsSold),
      note: `of ${count(report.meta.seats)} seats; ${count(s.paymentsCompleted)} payments completed, ${count(s.paymentsFailed)} failed`,
    },
    {
      label: 'All told SOLD_OUT',
      value: s.lastToldSoldOutS === undefined ? '—' : duration(s.lastToldSoldOutS),
      note: 'from the last seat sold to the last waiting fan told',
    },
    {
      label: 'Rush',
      value: figure(s.rush.paymentsPerSecond),
      unit: 'payments/s',
      note: `best minute, ${clock(s.rush.fromS)}–${clock(s.rush.toS)}; payments' p99 ${millis(s.rush.p99Ms)}`,
    },
    {
      label: 'Fans joined',
      value: count(s.fansJoined),
      note: `${count(s.waitingFanMinutes)} fan-minutes spent waiting`,
    },
    {
      label: 'Checks',
      value: `${held} of ${s.checks.length} held`,
      note: held === s.checks.length ? 'every invariant and audit' : 'see the failures below',
      tone: held === s.checks.length ? 'good' : 'bad',
    },
  ];
  const items = tiles.map(
    (t) =>
      `<div class="tile${t.tone ? ` ${t.tone}` : ''}"><dt>${esc(t.label)}</dt>` +
      `<dd><span class="value">${esc(t.value)}${t.unit ? ` <small>${esc(t.unit)}</small>` : ''}</span><span class="note">${esc(t.note)}</span></dd></div>`,
  );
  return `<dl class="tiles">${items.join('')}</dl>`;
}

/** Each check with ✔ or ✘ (a word too, for whoever does not see the mark) and its evidence. */
export function checks(list: readonly Check[]): string {
  const items = list.map((c) => {
    const mark = c.held ? '✔' : '✘';
    const word = c.held ? 'held' : 'failed';
    return (
      `<li class="${c.held ? 'held' : 'failed'}"><span class="mark" aria-hidden="true">${mark}</span>` +
      `<span class="sr">${word}: </span><strong>${esc(c.name)}</strong>` +
      `<span class="detail">${esc(c.detail)}</span></li>`
    );
  });
  return `<section class="checks"><h2>Checks</h2><ul>${items.join('')}</ul></section>`;
}

export function faultTable(report: RehearsalReport): string {
  if (report.faults.length === 0)
    return `<section class="faults"><h2>Faults</h2><p class="none">No fault was injected.</p></section>`;
  const rows = report.faults.map(
    (f, i) =>
      `<tr><th scope="row">${faultTag(i)}: ${esc(f.name)}</th><td>${clock(f.atS)}</td>` +
      `<td>${clock(f.endS)}</td><td>${duration(f.endS - f.atS)}</td></tr>`,
  );
  return table(
    'faults',
    'Faults',
    ['fault', 'from', 'to', 'for'],
    rows,
    'Hatched on every chart, named there by their number.',
  );
}

/** CPU per unit of work, in milliseconds: the figures the capacity plan multiplies. */
export function costTable(s: RehearsalSummary): string {
  const ms = (seconds: number) => figure(seconds * 1000);
  const row = (c: Omit<RehearsalSummary['costs'][number], 'component'>) =>
    `<td>${figure(c.cpuSeconds)}</td><td>${ms(c.perFanJoined)}</td><td>${ms(c.perWaitingFanMinute)}</td>` +
    `<td>${ms(c.perTicketSold)}</td><td>${count(c.peakRssMb)}</td>`;
  const rows = s.costs.map((c) => `<tr><th scope="row">${esc(c.component)}</th>${row(c)}</tr>`);
  const sum = (pick: (c: RehearsalSummary['costs'][number]) => number) =>
    s.costs.reduce((acc, c) => acc + pick(c), 0);
  const total = {
    cpuSeconds: sum((c) => c.cpuSeconds),
    perFanJoined: sum((c) => c.perFanJoined),
    perWaitingFanMinute: sum((c) => c.perWaitingFanMinute),
    perTicketSold: sum((c) => c.perTicketSold),
    peakRssMb: sum((c) => c.peakRssMb),
  };
  const foot = `<tr class="total"><th scope="row">all components</th>${row(total)}</tr>`;
  return table(
    'costs',
    'CPU per unit of work',
    [
      'component',
      'CPU-s in all',
      'CPU-ms per fan joined',
      'CPU-ms per waiting fan-minute',
      'CPU-ms per ticket sold',
      'peak RSS, MB',
    ],
    [...rows, foot],
  );
}

export function stepTable(s: RehearsalSummary): string {
  const worst = Math.max(1, ...s.steps.map((st) => st.p99Ms));
  const rows = s.steps.map((st) => {
    const bar = `<span class="bar" style="width:${Math.round((100 * st.p99Ms) / worst)}%"></span>`;
    return (
      `<tr><th scope="row">${esc(st.step)}</th><td>${count(st.count)}</td><td>${figure(st.p50Ms)}</td>` +
      `<td class="with-bar">${bar}<span>${figure(st.p99Ms)}</span></td></tr>`
    );
  });
  return table('steps', 'Latency of each step', ['step', 'count', 'p50 ms', 'p99 ms'], rows);
}

/** Answers by call and status; server errors stand out. */
export function answerTable(s: RehearsalSummary): string {
  const rows = Object.entries(s.answers).map(([call, n]) => {
    const status = /\b([1-5])\d\d\b(?!.*\b[1-5]\d\d\b)/.exec(call)?.[1];
    const tone = status === '5' ? ' class="bad"' : status === '4' ? ' class="warn"' : '';
    return `<tr${tone}><th scope="row">${esc(call)}</th><td>${count(n)}</td></tr>`;
  });
  return table('answers', 'Answers by status', ['call and status', 'answers'], rows);
}

/** A soak's growth after warm-up: what must stay near zero. */
export function slopeTable(s: RehearsalSummary): string {
  if (!s.slopes) return '';
  const rows = Object.entries(s.slopes).map(
    ([name, v]) => `<tr><th scope="row">${esc(name)}</th><td>${figure(v)}</td></tr>`,
  );
  return table('slopes', 'Growth after warm-up', ['what', 'per minute'], rows);
}

function table(
  cls: string,
  title: string,
  headers: string[],
  rows: string[],
  note?: string,
): string {
  const head = headers.map(
    (h, i) => `<th scope="col"${i === 0 ? ' class="name"' : ''}>${esc(h)}</th>`,
  );
  return (
    `<section class="${cls}"><h2>${esc(title)}</h2>${note ? `<p class="note">${esc(note)}</p>` : ''}` +
    `<table><thead><tr>${head.join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`
  );
}
