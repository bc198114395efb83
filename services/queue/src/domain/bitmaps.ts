/**
 * Bit arithmetic over Redis bitmaps as GET returns them: offset 0 is the most significant bit of
 * byte 0 (SETBIT's order). Pure functions; the snapshot and the admission tick count with them.
 */

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

export function bitAt(bits: Uint8Array, offset: number): boolean {
  const byte = bits[offset >> 3];
  return byte !== undefined && (byte & (0x80 >> (offset & 7))) !== 0;
}

export function setBit(bits: Uint8Array, offset: number, on: boolean): void {
  const i = offset >> 3;
  if (i >= bits.length) return;
  const mask = 0x80 >> (offset & 7);
  bits[i] = on ? bits[i]! | mask : bits[i]! & ~mask;
}

/** Set bits at offsets [from, to). */
export function countBits(bits: Uint8Array, from: number, to: number): number {
  const end = Math.min(to, bits.length * 8);
  if (from >= end) return 0;
  let n = 0;
  let i = from;
  // Leading bits up to a byte boundary, whole bytes, trailing bits.
  while (i < end && i & 7) if (bitAt(bits, i++)) n++;
  while (i + 8 <= end) {
    n += POPCOUNT[bits[i >> 3]!]!;
    i += 8;
  }
  while (i < end) if (bitAt(bits, i++)) n++;
  return n;
}

/** Bitwise OR of several bitmaps, as long as `length` bytes (missing bytes count as 0). */
export function orAll(maps: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (const m of maps) for (let i = 0; i < Math.min(length, m.length); i++) out[i]! |= m[i]!;
  return out;
}
