import { type Knex } from '@ticketing/platform';
import { createDb, migrate } from '@ticketing/platform/wiring';
import { createTestDatabase } from '@ticketing/testing';
import { z } from 'zod';
import { defineMessage } from '@ticketing/contracts';
import { createInboxTable } from '../src/inbox';
import { createOutboxTable, quietOutboxNotify, slimOutboxTable } from '../src/outbox';
import { indexInboxByAge } from '../src/retention';

export function sequenceContract(topic: string) {
  return defineMessage({
    type: 'test.sequenced',
    version: 1,
    topic,
    key: (d) => d.key,
    schema: z.object({ key: z.string(), seq: z.number().int().nonnegative() }),
  });
}

/** A throwaway database with the outbox, the inbox and a table a handler can change. */
export async function messagingDatabase(): Promise<{
  db: Knex;
  url: string;
  drop: () => Promise<void>;
}> {
  const { url, drop } = await createTestDatabase('messaging');
  const db = createDb({ url, applicationName: 'messaging-test' });
  await migrate(db, {
    '0001_outbox': { up: createOutboxTable },
    '0002_inbox': { up: createInboxTable },
    '0002b_slim_outbox': { up: slimOutboxTable },
    '0002c_inbox_by_age': { up: indexInboxByAge },
    '0002d_quiet_outbox_notify': { up: quietOutboxNotify },
    '0003_counters': {
      up: (k) =>
        k.schema.createTable('counters', (t) => {
          t.text('key').primary();
          t.integer('value').notNullable();
        }),
    },
  });
  return {
    db,
    url,
    drop: async () => {
      await db.destroy();
      await drop();
    },
  };
}
