import { createTestDatabase } from '@ticketing/testing';
import type pg from 'pg';
import { createDb } from '../src/postgres';
import { isTransientInfraError } from '../src/errors';

describe('a Postgres connection lost under a query', () => {
  it('when the socket dies mid-query, then the error carries SQLSTATE 08006 and counts as transient', async () => {
    const database = await createTestDatabase('transient');
    const db = createDb({ url: database.url, applicationName: 'transient-test', poolMax: 1 });
    try {
      const client = db.client as {
        acquireConnection(): Promise<pg.Client>;
        releaseConnection(connection: pg.Client): Promise<void>;
      };
      const connection = await client.acquireConnection();
      const query = connection.query('select pg_sleep(10)');
      const failed = query.then(
        () => undefined,
        (err: unknown) => err,
      );
      (
        connection as unknown as { connection: { stream: { destroy(): void } } }
      ).connection.stream.destroy();
      const err = (await failed) as Error & { code?: string };
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe('08006');
      expect(isTransientInfraError(err)).toBe(true);
      await client.releaseConnection(connection);
      // The pool drops the dead connection: the next query gets a new one.
      await expect(db.raw('select 1 as one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});
