import { readSagaInvariants } from '@ticketing/testing';
import type { RunningSystem } from './system-setup';

/**
 * After sagas end, for every payment: money taken ⇔ seat CONFIRMED for that user by that
 * payment ⇔ payment COMPLETED. Otherwise no money kept and the seat HELD or RELEASED. Every
 * balance equals its ledger and is ≥ 0, and no seat is live twice (`readSagaInvariants`, which
 * the rehearsal checks too).
 */
export async function expectSagaInvariants(
  system: Pick<RunningSystem, 'databaseUrl'>,
): Promise<{ completed: number; failed: number }> {
  const found = await readSagaInvariants((store) => system.databaseUrl(store));
  expect(found.pending).toEqual([]); // every saga ended
  expect(found.mismatched).toEqual([]);
  expect(found.seatsTwice).toEqual([]);
  expect(found.brokenWallets).toEqual([]);
  return { completed: found.completed, failed: found.failed };
}
