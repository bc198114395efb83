import { dropDatabase, ensureDatabase, withDatabase } from '@ticketing/platform';
import { testInfra } from './env';
import { randomSuffix } from './ids';

/** A database of its own for one test file: tables, outbox and relay leadership unshared. */
export async function createTestDatabase(
  prefix: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = withDatabase(testInfra().postgresUrl, `test_${prefix}_${randomSuffix()}`);
  await ensureDatabase(url);
  return { url, drop: () => dropDatabase(url) };
}
