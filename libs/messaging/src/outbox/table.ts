import { Transaction, type Knex, type Queryable } from '@ticketing/platform';
import type { OutgoingMessage } from '../envelope';

export const OUTBOX_TABLE = 'outbox';
/** Where a writer's trigger tells the relay there is something to publish. */
export const NOTIFY_CHANNEL = 'outbox_enqueued';

/** Migration step for a service that publishes through the outbox. */
export async function createOutboxTable(knex: Knex): Promise<void> {
  await knex.schema.createTable(OUTBOX_TABLE, (t) => {
    t.bigIncrements('id').primary();
    t.uuid('message_id').notNullable().unique();
    t.text('topic').notNullable();
    t.text('key').notNullable();
    t.text('type').notNullable();
    t.jsonb('envelope').notNullable();
    t.jsonb('headers').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('published_at', { useTz: true });
  });
  await knex.raw(
    `create index outbox_unpublished on ${OUTBOX_TABLE} (id) where published_at is null`,
  );
  // One NOTIFY per transaction that enqueued (Postgres folds duplicates), sent at commit.
  await knex.raw(`
    create function outbox_notify() returns trigger language plpgsql as $$
    begin perform pg_notify('${NOTIFY_CHANNEL}', ''); return null; end $$;
    create trigger outbox_notify after insert on ${OUTBOX_TABLE}
      for each statement execute function outbox_notify();
  `);
}

/**
 * Migration step (after `createOutboxTable`): the outbox as the relay reads it. The envelope and
 * headers are kept as the writer serialized them (text: Postgres no longer parses them into
 * jsonb on insert and prints them back on every read), and the primary key is its only index
 * (rows are deleted once published; message ids are random and never looked up here).
 */
export async function slimOutboxTable(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index if exists outbox_unpublished;
    alter table ${OUTBOX_TABLE} drop constraint if exists outbox_message_id_unique;
    alter table ${OUTBOX_TABLE} drop column if exists published_at;
    alter table ${OUTBOX_TABLE} alter column envelope type text using envelope::text;
    alter table ${OUTBOX_TABLE} alter column headers type text using headers::text;
  `);
}

/**
 * Adds messages to the outbox inside the caller's transaction: they are published if and only
 * if the state change they describe commits.
 */
export async function enqueue(
  tx: Transaction,
  messages: OutgoingMessage | OutgoingMessage[],
): Promise<void> {
  const list = Array.isArray(messages) ? messages : [messages];
  if (list.length === 0) return;
  const { sql, params } = outboxInsert(list, 1, outboxWriter(tx).notify);
  await tx.query(sql, params);
}

/**
 * How the relay learns of rows a statement about to run on `executor` adds to the outbox. When
 * this process's relay leads, it is told in process once they commit (`written()` after an
 * autocommit statement on the pool; a transaction tells it by itself at its commit), and the
 * insert asks its trigger not to NOTIFY: no round through the server and no second wake-up.
 * Otherwise the trigger NOTIFYs the leader, wherever it runs.
 */
export function outboxWriter(executor: Queryable): { notify: boolean; written(): void } {
  if (executor instanceof Transaction)
    return { notify: !executor.wrote(OUTBOX_TABLE), written: () => undefined };
  const watcher = executor.commitWatcher(OUTBOX_TABLE);
  return { notify: !watcher, written: () => watcher?.committed() };
}

/**
 * Migration step (after `createOutboxTable`): the trigger NOTIFYs unless the inserting
 * transaction said `outbox.notify = off` (its own process's relay is told in process).
 */
export async function quietOutboxNotify(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function outbox_notify() returns trigger language plpgsql as $$
    begin
      if coalesce(current_setting('outbox.notify', true), '') <> 'off' then
        perform pg_notify('${NOTIFY_CHANNEL}', '');
      end if;
      return null;
    end $$;
  `);
}

const SQL_NAME = /^[a-z_][a-z0-9_]*$/i;

/**
 * The statement that adds messages to the outbox, its parameters numbered from `first`: for
 * `enqueue`, or as a data-modifying CTE of a writer's own statement, so that the state change
 * and its messages are one statement (atomic without a transaction around it). One text for
 * any number of messages (arrays), so it is prepared once; the ids follow the order given (the
 * relay publishes in id order). `notify` false: the trigger sends no NOTIFY, the writer's own
 * relay is told in process (`outboxWriter`).
 *
 * `completedBy`: the messages announce a figure only the writer's statement knows (a balance
 * after a credit). They are inserted once per row of the CTE named `from` (none: nothing
 * changed, nothing announced), with each `data` field of `fields` set to that row's column;
 * with no fields, they only follow that row (sent if and only if the writer changed one).
 */
export function outboxInsert(
  messages: OutgoingMessage[],
  first: number,
  notify = true,
  completedBy?: { from: string; fields: Record<string, string> },
): { sql: string; params: unknown[] } {
  const [ids, topics, keys, types, envelopes, headers, notifySetting] = [0, 1, 2, 3, 4, 5, 6].map(
    (i) => `$${first + i}`,
  );
  let envelope = 'm.envelope';
  // No fields: the messages only follow the writer's rows (none changed, none sent).
  if (completedBy && Object.keys(completedBy.fields).length > 0) {
    envelope = 'm.envelope::jsonb';
    for (const [field, column] of Object.entries(completedBy.fields)) {
      // Names written into the statement: the writer's own constants, never a caller's input.
      if (![completedBy.from, field, column].every((name) => SQL_NAME.test(name)))
        throw new Error(`outboxInsert: not a plain SQL name in ${JSON.stringify(completedBy)}`);
      envelope = `jsonb_set(${envelope}, '{data,${field}}', to_jsonb(${completedBy.from}.${column}))`;
    }
    envelope = `${envelope}::text`;
  }
  if (completedBy && !SQL_NAME.test(completedBy.from))
    throw new Error(`outboxInsert: not a plain SQL name in ${JSON.stringify(completedBy)}`);
  return {
    sql: `insert into ${OUTBOX_TABLE} (message_id, topic, key, type, envelope, headers)
     select m.id, m.topic, m.key, m.type, ${envelope}, m.headers
     from unnest(${ids}::uuid[], ${topics}::text[], ${keys}::text[], ${types}::text[],
       ${envelopes}::text[], ${headers}::text[])
       with ordinality as m (id, topic, key, type, envelope, headers, n)
     cross join (select set_config('outbox.notify', ${notifySetting}::text, true)) as wake
     ${completedBy ? `cross join ${completedBy.from}` : ''}
     order by m.n`,
    params: [
      messages.map((m) => m.envelope.id),
      messages.map((m) => m.topic),
      messages.map((m) => m.key),
      messages.map((m) => m.envelope.type),
      messages.map((m) => JSON.stringify(m.envelope)),
      messages.map((m) => JSON.stringify(m.headers)),
      notify ? 'on' : 'off',
    ],
  };
}
