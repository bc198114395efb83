import { Database, type Queryable } from '@ticketing/platform';
import { uuid } from '@ticketing/testing';
import type { BatchItem, StatementContext } from '../src/consumer';
import { buildMessage, type Envelope, type OutgoingMessage } from '../src/envelope';
import { inboxClaim } from '../src/inbox';
import { outboxInsert, outboxWriter } from '../src/outbox';
import { inboxUnitOfWork, type TxContext } from '../src/unit-of-work';
import { messagingDatabase, sequenceContract } from './fixtures';

/**
 * A batch of messages in one transaction (a consumer under load), where some handlers apply
 * their message in one statement of their own (ADR 0035): on the real inbox and outbox.
 */
describe('a batch of messages in the inbox unit of work', () => {
  let fixture: Awaited<ReturnType<typeof messagingDatabase>>;
  let db: Database;
  const topic = `batch-${uuid()}`;
  const contract = sequenceContract(topic);

  beforeAll(async () => {
    fixture = await messagingDatabase();
    db = new Database(fixture.db);
  });
  afterAll(() => fixture.drop());

  const unitOfWork = () => inboxUnitOfWork(db, 'counter', 'test');
  const message = (key: string, seq: number): OutgoingMessage =>
    buildMessage(contract, { key, seq }, { source: 'test' });
  /** What the handler of `m` sends: one message naming it (`key` `<key>:sent`). */
  const replyTo = (m: Envelope) =>
    buildMessage(contract, { key: `${keyOf(m)}:sent`, seq: seqOf(m) }, { source: 'test' });

  /** The handler's transaction path: bump the counter, send the reply. */
  const run =
    (m: Envelope) =>
    async ({ tx, send }: TxContext): Promise<void> => {
      await bump(tx, keyOf(m));
      await send(contract, replyTo(m).envelope.data as { key: string; seq: number });
    };
  /** The handler's one statement: the bump, its inbox record and its reply, all or nothing. */
  const alone =
    (m: Envelope, { declines = false, fails = false } = {}) =>
    async ({ inbox, db: on }: StatementContext): Promise<'applied' | undefined> => {
      if (declines) return undefined;
      if (fails) await on.query('select 1 / 0');
      const claim = inboxClaim(inbox, 2);
      const out = outboxInsert([replyTo(m)], 5, outboxWriter(on).notify, {
        from: 'bumped',
        fields: {},
      });
      const [row] = await on.query<{ n: number }>(
        `with bumped as (
           insert into counters as c (key, value) select $1, 1 where ${claim.unclaimed}
           on conflict (key) do update set value = c.value + 1
           returning key),
         inbox as (${claim.insert('bumped')}),
         outbox as (${out.sql})
         select count(*)::int as n from bumped`,
        [keyOf(m), ...claim.params, ...out.params],
      );
      return row!.n === 1 ? 'applied' : undefined;
    };
  const item = (
    m: OutgoingMessage,
    statement?: { declines?: boolean; fails?: boolean },
  ): BatchItem<TxContext> => ({
    message: m.envelope,
    run: run(m.envelope),
    ...(statement && { alone: alone(m.envelope, statement) }),
  });

  const counter = async (key: string) =>
    (await db.query<{ value: number }>('select value from counters where key = $1', [key]))[0]
      ?.value;
  /** The keys of the outbox's messages for these keys, in the order the relay publishes them. */
  const sentFor = async (keys: string[]) =>
    (
      await db.query<{ key: string }>(
        `select key from outbox where key = any($1::text[]) order by id`,
        [keys.map((k) => `${k}:sent`)],
      )
    ).map((r) => r.key.replace(/:sent$/, ''));
  const transactionsOf = async (keys: string[]) =>
    new Set(
      (
        await db.query<{ xmin: string }>(
          `select xmin::text from counters where key = any($1::text[])
           union all select xmin::text from inbox where message_id = any($2::uuid[])`,
          [keys, await idsOf(keys)],
        )
      ).map((r) => r.xmin),
    );
  const ids = new Map<string, string>();
  const idsOf = async (keys: string[]) => keys.map((k) => ids.get(k)!);
  const fresh = (count: number) =>
    Array.from({ length: count }, (_, i) => {
      const m = message(`k-${uuid()}`, i);
      ids.set(keyOf(m.envelope), m.envelope.id);
      return m;
    });

  it('when a batch mixes one-statement messages with others, then all commit in one transaction and the outbox keeps the batch order', async () => {
    const [a, b, c, d] = fresh(4);
    const outcomes = await unitOfWork().executeBatch!([
      item(a!),
      item(b!, {}),
      item(c!),
      item(d!, {}),
    ]);
    expect(outcomes).toEqual(['applied', 'applied', 'applied', 'applied']);
    const keys = [a, b, c, d].map((m) => keyOf(m!.envelope));
    for (const key of keys) expect(await counter(key)).toBe(1);
    expect(await sentFor(keys)).toEqual(keys);
    expect((await transactionsOf(keys)).size).toBe(1);
  });

  it('when a statement declines inside a batch, then its message takes its handler in the same transaction, once', async () => {
    const [a, b] = fresh(2);
    const outcomes = await unitOfWork().executeBatch!([item(a!, { declines: true }), item(b!, {})]);
    expect(outcomes).toEqual(['applied', 'applied']);
    const keys = [a, b].map((m) => keyOf(m!.envelope));
    for (const key of keys) expect(await counter(key)).toBe(1);
    expect(await sentFor(keys)).toEqual(keys);
    expect((await transactionsOf(keys)).size).toBe(1);
  });

  it('when a message comes twice in a batch or was handled before, then it is applied once and the others are duplicates', async () => {
    const [a, b] = fresh(2);
    await unitOfWork().execute(b!.envelope, run(b!.envelope), alone(b!.envelope));
    const outcomes = await unitOfWork().executeBatch!([
      item(a!, {}),
      item(a!, {}),
      item(b!, {}),
      item(a!, { declines: true }),
    ]);
    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate']);
    expect(await counter(keyOf(a!.envelope))).toBe(1);
    expect(await counter(keyOf(b!.envelope))).toBe(1);
    expect(await sentFor([keyOf(a!.envelope), keyOf(b!.envelope)])).toHaveLength(2);
  });

  it('when a statement fails inside a batch, then nothing of the batch is written', async () => {
    const [a, b, c] = fresh(3);
    await expect(
      unitOfWork().executeBatch!([item(a!, {}), item(b!), item(c!, { fails: true })]),
    ).rejects.toThrow(/division by zero/);
    const keys = [a, b, c].map((m) => keyOf(m!.envelope));
    for (const key of keys) expect(await counter(key)).toBeUndefined();
    expect(await sentFor(keys)).toEqual([]);
    const inbox = await db.query('select 1 from inbox where message_id = any($1::uuid[])', [
      await idsOf(keys),
    ]);
    expect(inbox).toEqual([]);
  });
});

const keyOf = (m: Envelope) => (m.data as { key: string }).key;
const seqOf = (m: Envelope) => (m.data as { seq: number }).seq;

async function bump(on: Queryable, key: string): Promise<void> {
  await on.query(
    `insert into counters as c (key, value) values ($1, 1)
     on conflict (key) do update set value = c.value + 1`,
    [key],
  );
}
