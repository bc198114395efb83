import net from 'node:net';
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

describe('a Postgres address with nothing behind it', () => {
  it.each([true, false])(
    'when a proxy accepts the connection and closes it (no server behind it, as in a failover; prepared statements %s), then the query fails with SQLSTATE 08001, transient',
    async (preparedStatements) => {
      // What HAProxy does while no instance is the primary: accept, then close.
      const proxy = net.createServer((socket) => socket.destroy());
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      const { port } = proxy.address() as net.AddressInfo;
      const db = createDb({
        url: `postgres://postgres@127.0.0.1:${port}/none`,
        applicationName: 'transient-test',
        preparedStatements,
      });
      try {
        const err = (await db.raw('select 1').then(
          () => undefined,
          (e: unknown) => e,
        )) as Error & { code?: string };
        expect(err).toBeInstanceOf(Error);
        expect(err.code).toBe('08001');
        expect(isTransientInfraError(err)).toBe(true);
      } finally {
        await db.destroy();
        await new Promise((r) => proxy.close(r));
      }
    },
  );
});
