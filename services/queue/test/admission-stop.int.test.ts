import { createDb } from '@ticketing/platform/wiring';
import { eventually, uuid } from '@ticketing/testing';
import type { Knex, ServiceHandle } from '@ticketing/platform';
import {
  join,
  knownConcert,
  poll,
  queueDatabaseUrl,
  queueLogs,
  startQueue,
  type TokenBody,
} from './harness';

/**
 * A head move is recorded in Postgres after Redis took it (ADR 0024); one Postgres refused waits
 * in the instance for the next tick. An instance stopping (SIGTERM) tries those once more, and
 * names what it still could not record: nothing is dropped silently.
 */
describe('an instance stopping with head moves Postgres has not taken', () => {
  let db: Knex;

  beforeAll(async () => {
    db = createDb({ url: await queueDatabaseUrl(), applicationName: 'test' });
    await db.raw(`create or replace function refuse_admission() returns trigger language plpgsql
      as $$ begin raise exception 'the test refuses this head move'; end $$`);
  });
  afterAll(() => db?.destroy());

  /** Postgres refuses every head move of the concert until the returned function is called. */
  async function refuseMoves(concertId: number): Promise<() => Promise<void>> {
    const trigger = `refuse_${concertId}`;
    await db.raw(
      `create trigger ${trigger} before insert on admissions for each row
       when (new.concert_id = ${concertId}) execute function refuse_admission()`,
    );
    return async () => void (await db.raw(`drop trigger if exists ${trigger} on admissions`));
  }

  /** An instance ticking every `tickMs`, a concert, and a fan admitted by it. */
  async function admittedWhilePostgresRefuses(tickMs: number) {
    const queue: ServiceHandle = await startQueue({ QUEUE_TICK_MS: String(tickMs) });
    const concertId = await knownConcert(queue);
    const allow = await refuseMoves(concertId);
    const fan: TokenBody = (await join(queue.url, uuid(), concertId)).body;
    await eventually(
      async () => expect((await poll(queue.url, fan.token)).body.status).toBe('ACTIVE'),
      { timeoutMs: tickMs + 15_000 },
    );
    expect(await recorded(concertId)).toBe(0);
    return { queue, concertId, allow };
  }

  const recorded = async (concertId: number) =>
    Number(
      (
        (await db('admissions').where({ concert_id: concertId }).count({ n: '*' })) as {
          n: string;
        }[]
      )[0]!.n,
    );

  it('when Postgres takes the moves again before the instance stops, then they are recorded at stop', async () => {
    // Ticks seconds apart: the fan is seen admitted just after one, and the stop comes long
    // before the next, which would try the move again itself. Only the stop can record it.
    const { queue, concertId, allow } = await admittedWhilePostgresRefuses(5000);
    await allow();

    await queue.stop();

    expect(await recorded(concertId)).toBe(1);
    const [line] = (await db('lines').where({ concert_id: concertId }).select('head')) as {
      head: string;
    }[];
    expect(Number(line!.head)).toBeGreaterThanOrEqual(1);
  });

  it('when Postgres still refuses them at stop, then a warning names how many and which, and nothing else fails', async () => {
    const { queue, concertId, allow } = await admittedWhilePostgresRefuses(50);
    try {
      await queue.stop();
    } finally {
      await allow();
    }

    expect(await recorded(concertId)).toBe(0);
    const warned = (await queueLogs()).filter(
      (l) =>
        l.unrecorded !== undefined &&
        (l.moves as { concertId: number }[])[0]?.concertId === concertId,
    );
    expect(warned).toEqual([
      expect.objectContaining({
        level: 'warn',
        unrecorded: 1,
        moves: [expect.objectContaining({ concertId, from: 1, admitted: 1 })],
      }),
    ]);
  });
});
