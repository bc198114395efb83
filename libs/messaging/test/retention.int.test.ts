import { randomUUID } from 'node:crypto';
import { Database, type Knex } from '@ticketing/platform';
import { claimMessage, INBOX_TABLE } from '../src/inbox';
import { purgeInbox } from '../src/retention';
import { messagingDatabase } from './fixtures';

/** The inbox forgets what is older than its window, in bounded batches, and nothing younger. */
describe('inbox retention', () => {
  let db: Knex;
  let database: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await messagingDatabase());
    database = new Database(db);
  });
  afterAll(() => drop());

  const consumer = `retention-${randomUUID()}`;
  const claim = (id: string) =>
    database.transaction((tx) => claimMessage(tx, consumer, id, 'test.message'));
  const received = async (ids: string[], minutesAgo: number) => {
    for (const id of ids) expect(await claim(id)).toBe(true);
    await db(INBOX_TABLE)
      .whereIn('message_id', ids)
      .update({ received_at: db.raw(`now() - make_interval(mins => ?)`, [minutesAgo]) });
  };
  const left = async () =>
    (await db(INBOX_TABLE).where({ consumer }).select('message_id')).map(
      (r: { message_id: string }) => r.message_id,
    );

  it('when rows are older than the window, then they go, at most a batch per statement and a bounded number per round; younger ones stay and a redelivery of them is still recognised', async () => {
    const old = Array.from({ length: 25 }, () => randomUUID());
    const young = Array.from({ length: 5 }, () => randomUUID());
    await received(old, 120);
    await received(young, 30);

    // A round: two statements of ten rows at most.
    expect(await purgeInbox(database, 60, { size: 10, batches: 2 })).toBe(20);
    expect((await left()).length).toBe(10);
    // The next round takes the rest and stops at the first short batch.
    expect(await purgeInbox(database, 60, { size: 10, batches: 2 })).toBe(5);
    expect(await purgeInbox(database, 60, { size: 10, batches: 2 })).toBe(0);
    expect((await left()).sort()).toEqual([...young].sort());

    // Inside the window a redelivery is a duplicate; past it, the message would be new again.
    for (const id of young) expect(await claim(id)).toBe(false);
    expect(await claim(old[0]!)).toBe(true);
  });
});
