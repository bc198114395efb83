import path from 'node:path';
import { loadLuaScripts } from '@ticketing/platform/wiring';

/**
 * The queue's Lua scripts (ADR 0015), the files of `lua/` beside this one (their shared parts
 * in `lua/include/`, Redis' clock from the platform's), loaded once when the process starts.
 * Each touches the keys of one hash tag only, so each runs atomically on a single Redis and on a
 * Redis Cluster alike: the user index (one bucket), the concert's counters (`{q:<concert>}`).
 * Per-fan bits in segments are plain SETBIT/BITFIELD commands. Order comes from the counter,
 * never from clocks; time comes from Redis (`TIME`) where instances must agree on it.
 */
export const QUEUE_SCRIPTS = loadLuaScripts(path.join(__dirname, 'lua'), [
  'claim',
  'join-at-once',
  'reclaim',
  'release',
  'next-number',
  'restore-entry',
  'raise-reserved',
  'open-line',
  'unlock-opening',
  'restore-segment',
  'prepare-tick',
  'advance',
  'free-slot',
  'claim-sweep',
  'record-sweep',
  'retire',
  'apply-schedule',
]);
