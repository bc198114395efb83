import { queueKeys } from '@ticketing/queue-pass';
import type { RedisClient } from '@ticketing/platform';
import type { AdmissionRecord, AuditRecord } from '../domain/records';

// Audit records read per round trip while looking for a head move whose answer was lost.
const MOVES_PER_READ = 16;
// Audit records read per round trip while reading the whole stream.
const RECORDS_PER_READ = 5000;

/**
 * When the head move `moveId` (from the head `from`) was made, read back from the newest record
 * of the concert's audit stream: undefined once a record shows the head passed `from` by another
 * move, or the line rebuilt after a loss (what was before is not this line's), or the stream's
 * start.
 */
export async function moveMadeAt(
  redis: RedisClient,
  concertId: number,
  moveId: string,
  from: number,
): Promise<number | undefined> {
  const audit = queueKeys(concertId).audit;
  let end = '+';
  for (;;) {
    const page = await redis.xrevrange(audit, end, '-', 'COUNT', MOVES_PER_READ);
    for (const [, fields] of page) {
      const f = fieldsOf(fields);
      if (f.move === moveId) return Number(f.at);
      if (f.kind === 'recover' || (f.kind === 'admit' && Number(f.from) <= from)) return undefined;
    }
    if (page.length < MOVES_PER_READ) return undefined;
    end = `(${page.at(-1)![0]}`;
  }
}

/**
 * The head moves of the line's life `epoch` made from `fromMs` to `toMs` (the store's clock, both
 * included), oldest first, as the audit stream recorded them: a move whose maker stopped before
 * Postgres recorded it is found here. Moves before a rebuild in that time are left out (the line
 * resumed at the head Postgres had: their numbers have their turn again), and so are records of
 * another life or made before moves carried what Postgres records.
 */
export async function movesMadeBetween(
  redis: RedisClient,
  concertId: number,
  epoch: number,
  fromMs: number,
  toMs: number,
): Promise<AdmissionRecord[]> {
  const audit = queueKeys(concertId).audit;
  let moves: AdmissionRecord[] = [];
  let start = String(fromMs);
  for (;;) {
    const page = await redis.xrange(audit, start, String(toMs), 'COUNT', RECORDS_PER_READ);
    for (const [, fields] of page) {
      const f = fieldsOf(fields);
      if (f.kind === 'recover') moves = [];
      const ours = f.kind === 'admit' && f.epoch === String(epoch) && f.until !== undefined;
      if (!ours) continue;
      moves.push({
        from: Number(f.from),
        to: Number(f.to),
        admitted: Number(f.admitted),
        idle: f.idle ?? '',
        gone: f.goneRanges ?? '',
        untilMs: Number(f.until),
        atMs: Number(f.at),
      });
    }
    if (page.length < RECORDS_PER_READ) return moves;
    start = `(${page.at(-1)![0]}`;
  }
}

/** The concert's audit stream, oldest first: one record per head move, sweep and rebuild. */
export async function auditRecords(redis: RedisClient, concertId: number): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let start = '-';
  for (;;) {
    const batch = await redis.xrange(
      queueKeys(concertId).audit,
      start,
      '+',
      'COUNT',
      RECORDS_PER_READ,
    );
    for (const [id, fields] of batch) records.push({ id, ...fieldsOf(fields) } as AuditRecord);
    if (batch.length < RECORDS_PER_READ) return records;
    start = `(${batch.at(-1)![0]}`;
  }
}

/** A stream entry's fields as Redis lists them (name, value, name, value…), by name. */
function fieldsOf(fields: string[]): Record<string, string> {
  const byName: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) byName[fields[i]!] = fields[i + 1]!;
  return byName;
}
