import { SEGMENT_SIZE, offsetOf, segmentOf, type PlaceRecord } from '@ticketing/queue-pass';
import { setBit } from '../bitmaps';
import { parseRanges } from '../fairness';
import type { AdmissionRecord, LineRecord } from '../records';

/**
 * The alive bits of a line rebuilt after its store lost it (ADR 0024, 0038), by segment: the
 * admitted fans of ranges still active (not those a move skipped as idle or found gone), and
 * every number after the head up to `issued`: every fan who holds a pass, since a join is
 * answered only once its number is recorded there.
 */
export function bitsOfRebuiltLine(
  line: Pick<LineRecord, 'head' | 'issued'>,
  live: AdmissionRecord[],
): Map<number, Uint8Array> {
  const segments = new Map<number, Uint8Array>();
  const mark = (n: number) => {
    let bits = segments.get(segmentOf(n));
    if (!bits) segments.set(segmentOf(n), (bits = new Uint8Array(SEGMENT_SIZE / 8)));
    setBit(bits, offsetOf(n), true);
  };
  for (const a of live) {
    const passed = new Set([...parseRanges(a.idle), ...parseRanges(a.gone)]);
    for (let n = a.from; n <= a.to; n++) if (!passed.has(n)) mark(n);
  }
  for (let n = line.head + 1; n <= line.issued; n++) mark(n);
  return segments;
}

/**
 * A number a rebuilt line could not presume (after `issued`, up to the counter's reservation
 * before the loss), with no bit and no entry, behind the head, within the idle timeout of the
 * rebuild: a join answered while Postgres could not record it (ADR 0038), lost with the store,
 * not ended (an end leaves the entry saying so; a fan who did not come back by then is idle).
 * Numbers presumed in line got their bits at the rebuild: without one now, they were dropped or
 * left.
 */
export function restorable(
  record: PlaceRecord,
  number: number,
  nowMs: number,
  idleMs: number,
): boolean {
  if (record.holder !== 'none' || record.alive || number <= record.head) return false;
  if (number <= record.presumed || number > record.recovered) return false;
  return nowMs < record.repairedAtMs + idleMs;
}
