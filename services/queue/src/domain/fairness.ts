/**
 * Verifiable fairness (ADR 0015): every move of a concert's head is recorded in the same atomic
 * step as the move itself, with the range of numbers it passed, when, how many it admitted, the
 * idle fans it skipped and how many numbers were gone. Checking the records proves that fans
 * had their turn in the order of their numbers: each range starts right after the last, time
 * never runs back, and every number of a range is accounted for (admitted, idle, or gone). A
 * line rebuilt after its store lost it (ADR 0024) resumes at the head Postgres recorded: the
 * moves after the rebuild start right after it.
 */

/** A head move as recorded (numbers parsed). */
export interface HeadMove {
  id: string;
  from: number;
  to: number;
  atMs: number;
  admitted: number;
  idle: number[];
  gone: number;
}

/**
 * The line rebuilt after its store lost it (ADR 0024): it resumed at `head`, the head Postgres
 * had recorded, the numbers up to it having had their turn in moves the lost store recorded.
 */
export interface Recovery {
  kind: 'recover';
  id: string;
  head: number;
  atMs: number;
}

export interface FairnessReport {
  moves: number;
  /** Rebuilds of the line after a loss of its store. */
  recoveries: number;
  admitted: number;
  skippedIdle: number;
  gone: number;
  /** Numbers that have had their turn (the last range's end). */
  head: number;
  /** Every way the records depart from number order, with the record that shows it. */
  problems: string[];
}

/** "1-5,7" → [1, 2, 3, 4, 5, 7]. */
export function parseRanges(text: string): number[] {
  if (!text) return [];
  return text.split(',').flatMap((run) => {
    const [a, b] = run.split('-').map(Number);
    return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
  });
}

export function checkFairness(records: (HeadMove | Recovery)[]): FairnessReport {
  const moves = records.filter((r): r is HeadMove => !('kind' in r));
  const report: FairnessReport = {
    moves: moves.length,
    recoveries: records.length - moves.length,
    admitted: 0,
    skippedIdle: 0,
    gone: 0,
    head: 0,
    problems: [],
  };
  let lastAt = 0;
  for (const m of records) {
    if ('kind' in m) {
      // The moves before a rebuild are in the record the lost store kept, or in Postgres'.
      if (m.head < report.head)
        report.problems.push(
          `rebuild ${m.id}: the line resumed at ${m.head}, behind numbers up to ${report.head} that had their turn: they would have it twice`,
        );
      report.head = m.head;
      continue;
    }
    const where = `record ${m.id} (numbers ${m.from}..${m.to})`;
    if (m.from <= report.head)
      report.problems.push(
        `${where}: numbers ${m.from}..${Math.min(m.to, report.head)} had their turn already, in an earlier record: admitted out of order`,
      );
    else if (m.from > report.head + 1)
      report.problems.push(
        `${where}: numbers ${report.head + 1}..${m.from - 1} were passed over with no record`,
      );
    if (m.to < m.from) report.problems.push(`${where}: a range that ends before it starts`);
    if (m.atMs < lastAt)
      report.problems.push(
        `${where}: recorded at ${new Date(m.atMs).toISOString()}, before the record ahead of it`,
      );
    const size = m.to - m.from + 1;
    if (m.admitted + m.idle.length + m.gone !== size)
      report.problems.push(
        `${where}: ${m.admitted} admitted + ${m.idle.length} idle + ${m.gone} gone ≠ ${size} numbers`,
      );
    if (m.idle.some((n) => n < m.from || n > m.to))
      report.problems.push(`${where}: an idle fan outside the range`);
    report.admitted += m.admitted;
    report.skippedIdle += m.idle.length;
    report.gone += m.gone;
    report.head = Math.max(report.head, m.to);
    lastAt = Math.max(lastAt, m.atMs);
  }
  return report;
}

/** Sorted numbers as "1-5,7,9-12": a sweep of a million idle fans is a few runs, not a list. */
export function asRanges(numbers: number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < numbers.length;) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    runs.push(i === j ? String(numbers[i]) : `${numbers[i]}-${numbers[j]}`);
    i = j + 1;
  }
  return runs.join(',');
}
