import type { Knex, Transaction } from '@ticketing/platform';
import type { InboxRecord } from './consumer';

export const INBOX_TABLE = 'inbox';

/** Migration step for a service that consumes messages with exactly-once effects. */
export async function createInboxTable(knex: Knex): Promise<void> {
  await knex.schema.createTable(INBOX_TABLE, (t) => {
    t.text('consumer').notNullable();
    t.uuid('message_id').notNullable();
    t.text('type').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['consumer', 'message_id']);
  });
}

/**
 * Records that `consumer` handled `messageId`, inside the handler's transaction. Returns false
 * when it already had: the caller must then change nothing. A concurrent duplicate blocks on
 * the primary key until the first commits, then sees the conflict.
 */
export async function claimMessage(
  tx: Transaction,
  consumer: string,
  messageId: string,
  type: string,
): Promise<boolean> {
  const rows = await tx.query(
    `insert into ${INBOX_TABLE} (consumer, message_id, type) values ($1, $2, $3)
     on conflict (consumer, message_id) do nothing returning message_id`,
    [consumer, messageId, type],
  );
  return rows.length === 1;
}

/**
 * Claims a batch of messages in one statement, inside the batch's transaction; returns the ids
 * that were new (the others were handled before, or appear twice in the batch: claimed once).
 */
export async function claimMessages(
  tx: Transaction,
  consumer: string,
  messages: { id: string; type: string }[],
): Promise<Set<string>> {
  if (messages.length === 0) return new Set();
  const rows = await tx.query<{ message_id: string }>(
    `insert into ${INBOX_TABLE} (consumer, message_id, type)
     select $1, unnest($2::uuid[]), unnest($3::text[])
     on conflict (consumer, message_id) do nothing returning message_id`,
    [consumer, messages.map((m) => m.id), messages.map((m) => m.type)],
  );
  return new Set(rows.map((r) => r.message_id));
}

/**
 * The inbox record written by a handler's own statement (`StatementContext`), its parameters
 * numbered from `first`: `unclaimed` is a condition for the statement's effect (the message was
 * not handled before), `insert(from)` a data-modifying CTE that records it once per row of the
 * CTE `from` (the effect's RETURNING: no effect, no record). A duplicate racing the statement
 * makes its insert wait for the other's end, then break the inbox's primary key if that one
 * committed: the whole statement rolls back (`isInboxConflict`).
 *
 * A statement that writes nothing still fires the outbox's statement trigger when it has an
 * outbox CTE, which may NOTIFY the relay for nothing: a declined statement is rare (a duplicate,
 * a row moved meanwhile), and the relay then finds nothing to publish.
 */
export function inboxClaim(
  record: InboxRecord,
  first: number,
): { unclaimed: string; insert(from: string): string; params: unknown[] } {
  const [consumer, messageId, type] = [0, 1, 2].map((i) => `$${first + i}`);
  return {
    unclaimed: `not exists (select 1 from ${INBOX_TABLE}
      where consumer = ${consumer}::text and message_id = ${messageId}::uuid)`,
    insert: (from) => `insert into ${INBOX_TABLE} (consumer, message_id, type)
      select ${consumer}::text, ${messageId}::uuid, ${type}::text from ${from}`,
    params: [record.consumer, record.messageId, record.type],
  };
}

/** The error of a statement whose inbox record another delivery of the message wrote first. */
export function isInboxConflict(err: unknown): boolean {
  const e = err as { code?: string; table?: string };
  return e.code === '23505' && e.table === INBOX_TABLE;
}
