import { offsetOf, segmentOf } from '@ticketing/queue-pass';

/** Numbers by segment, as offsets in it. */
export function groupBySegment(numbers: number[]): Map<number, number[]> {
  const bySegment = new Map<number, number[]>();
  for (const n of numbers) {
    const s = segmentOf(n);
    let offsets = bySegment.get(s);
    if (!offsets) bySegment.set(s, (offsets = []));
    offsets.push(offsetOf(n));
  }
  return bySegment;
}

/** A bitmap as Redis returned it (a missing key: no bits). */
export const bitsOf = (b: Buffer | null): Uint8Array => (b ? new Uint8Array(b) : new Uint8Array(0));
