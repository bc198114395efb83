import type { Database } from '@ticketing/platform';
import type { AdmissionRecord, LineRecord } from '../domain/records';
import type { LineJournal } from '../domain/stores';

interface LineRow {
  concert_id: number;
  epoch: number;
  reserved: string;
  issued: string;
  head: string;
  rebuilds: number;
}

interface AdmissionRow {
  from_number: string;
  to_number: string;
  admitted: number;
  idle: string;
  gone: string;
  active_until_ms: string;
  at_ms: string;
}

const lineOf = (r: LineRow): LineRecord => ({
  concertId: r.concert_id,
  epoch: r.epoch,
  reserved: Number(r.reserved),
  issued: Number(r.issued),
  head: Number(r.head),
  rebuilds: r.rebuilds,
});

const admissionOf = (r: AdmissionRow): AdmissionRecord => ({
  from: Number(r.from_number),
  to: Number(r.to_number),
  admitted: r.admitted,
  idle: r.idle,
  gone: r.gone,
  untilMs: Number(r.active_until_ms),
  atMs: Number(r.at_ms),
});

const LINE = 'concert_id, epoch, reserved, issued, head, rebuilds';

/**
 * The durable half of the queue (ADR 0024): per concert whose line is open, its epoch, how far
 * its numbers may have gone (`reserved`, raised a block at a time before the numbers are handed
 * out), how far they surely went (`issued`) and its head; and every head move with its admitted
 * range. A handful of statements a second, never one per fan: what Redis loses, a line is
 * rebuilt from (with the fans' own signed passes).
 */
export class PgLineJournal implements LineJournal {
  constructor(private readonly db: Database) {}

  /** The concert's open line, opened now with `freshEpoch` if it had none. */
  async open(concertId: number, freshEpoch: number): Promise<LineRecord> {
    const [opened] = await this.db.query<LineRow>(
      `insert into lines (concert_id, epoch) values ($1, $2)
       on conflict (concert_id) do nothing returning ${LINE}`,
      [concertId, freshEpoch],
    );
    if (opened) return lineOf(opened);
    return (await this.line(concertId))!;
  }

  async line(concertId: number): Promise<LineRecord | undefined> {
    const [row] = await this.db.query<LineRow>(`select ${LINE} from lines where concert_id = $1`, [
      concertId,
    ]);
    return row && lineOf(row);
  }

  /**
   * The line is about to be rebuilt after its store lost it: its rebuild counter moves, and the
   * record read with it is the one the rebuild uses. A number recorded as handed out after this
   * sees the new count (the row's lock orders the two), so its join knows to check its place.
   */
  async beginRebuild(concertId: number, epoch: number): Promise<LineRecord | undefined> {
    const [row] = await this.db.query<LineRow>(
      `update lines set rebuilds = rebuilds + 1 where concert_id = $1 and epoch = $2
       returning ${LINE}`,
      [concertId, epoch],
    );
    return row && lineOf(row);
  }

  /**
   * Numbers handed out, each line's highest, recorded in one statement: per concert whose line
   * is still of that epoch, its rebuild counter as of the record.
   */
  async recordIssued(
    numbers: { concertId: number; epoch: number; upTo: number }[],
  ): Promise<Map<number, number>> {
    const rows = await this.db.query<{ concert_id: number; rebuilds: number }>(
      `update lines l set issued = greatest(l.issued, v.up_to)
       from unnest($1::int[], $2::int[], $3::bigint[]) as v(concert_id, epoch, up_to)
       where l.concert_id = v.concert_id and l.epoch = v.epoch
       returning l.concert_id, l.rebuilds`,
      [numbers.map((n) => n.concertId), numbers.map((n) => n.epoch), numbers.map((n) => n.upTo)],
    );
    return new Map(rows.map((r) => [r.concert_id, r.rebuilds]));
  }

  /**
   * `block` more numbers may be handed out, and every number up to `issued` was: the new
   * reservation (undefined when this life of the line is over: retired, or another epoch).
   */
  async reserve(
    concertId: number,
    epoch: number,
    block: number,
    issued: number,
  ): Promise<number | undefined> {
    const [row] = await this.db.query<{ reserved: string }>(
      `update lines set reserved = greatest(reserved, $4) + $3, issued = greatest(issued, $4)
       where concert_id = $1 and epoch = $2 returning reserved`,
      [concertId, epoch, block, issued],
    );
    return row && Number(row.reserved);
  }

  /**
   * A head move the tick made (after Redis took it): the line's head and the numbers surely
   * handed out (the tick's settled counter) move with it. Recording it twice changes nothing.
   */
  async recordAdmission(
    concertId: number,
    epoch: number,
    move: AdmissionRecord & { issued: number },
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `insert into admissions (concert_id, epoch, from_number, to_number, admitted, idle, gone,
           active_until_ms, at_ms) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict do nothing`,
        [
          concertId,
          epoch,
          move.from,
          move.to,
          move.admitted,
          move.idle,
          move.gone,
          move.untilMs,
          move.atMs,
        ],
      );
      await tx.query(
        `update lines set head = greatest(head, $3), issued = greatest(issued, $4)
         where concert_id = $1 and epoch = $2`,
        [concertId, epoch, move.to, move.issued],
      );
    });
  }

  /** Which of these head moves (by their first number) are recorded. */
  async recordedMoves(concertId: number, epoch: number, froms: number[]): Promise<Set<number>> {
    const rows = await this.db.query<{ from_number: string }>(
      `select from_number from admissions
       where concert_id = $1 and epoch = $2 and from_number = any($3::bigint[])`,
      [concertId, epoch, froms],
    );
    return new Set(rows.map((r) => Number(r.from_number)));
  }

  /** The head moves whose fans are still active at `nowMs` (Redis' clock), oldest first. */
  async liveAdmissions(concertId: number, epoch: number, nowMs: number) {
    const rows = await this.db.query<AdmissionRow>(
      `select * from admissions where concert_id = $1 and epoch = $2 and active_until_ms > $3
       and admitted > 0 order by from_number`,
      [concertId, epoch, nowMs],
    );
    return rows.map(admissionOf);
  }

  /** Every head move of a line, oldest first (the durable audit). */
  async admissions(concertId: number, epoch: number): Promise<AdmissionRecord[]> {
    const rows = await this.db.query<AdmissionRow>(
      `select * from admissions where concert_id = $1 and epoch = $2 order by from_number`,
      [concertId, epoch],
    );
    return rows.map(admissionOf);
  }

  /** The lines that are open (each with its epoch and the head recorded). */
  async openLines(): Promise<LineRecord[]> {
    const rows = await this.db.query<LineRow>(`select ${LINE} from lines`);
    return rows.map(lineOf);
  }

  /** The line's sales ended: it closes (a join after this opens a new life, a new epoch). */
  async close(concertId: number, epoch: number): Promise<void> {
    await this.db.query('delete from lines where concert_id = $1 and epoch = $2', [
      concertId,
      epoch,
    ]);
  }

  /**
   * Head moves made before `beforeMs` go (every line's, the closed ones' too: the audit keeps
   * them that long), at most `limit` a statement; how many went.
   */
  async purgeAdmissions(beforeMs: number, limit: number): Promise<number> {
    const rows = await this.db.query<{ n: string }>(
      `with gone as (
         delete from admissions where ctid in (
           select ctid from admissions where at_ms < $1 limit $2)
         returning 1)
       select count(*) as n from gone`,
      [beforeMs, limit],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
