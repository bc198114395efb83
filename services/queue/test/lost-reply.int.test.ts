import type { ServiceHandle } from '@ticketing/platform';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { eventually, testInfra, uuid } from '@ticketing/testing';
import { QUEUE_SCRIPTS } from '../src/data-access/scripts';
import { checkFairness, parseRanges } from '../src/domain/fairness';
import {
  KEY_PREFIX,
  join,
  queueLogs,
  knownConcert,
  poll,
  queuePorts,
  startQueue,
  testRedisUsers,
} from './harness';

/**
 * A head move Redis ran whose reply never came back (the connection dropped in between, as when
 * a primary dies after a script and before its answer): the client sends the script again, and
 * that second run finds the head already moved. The move is still the instance's to record in
 * Postgres (ADR 0024): the durable audit has no gap, and a line rebuilt from it resumes after it.
 */
describe('a head move whose reply was lost', () => {
  const advanceSha = createHash('sha1').update(QUEUE_SCRIPTS.get('advance')!.lua).digest('hex');
  // The advance script's own text, in case it is sent whole (EVAL after NOSCRIPT).
  const advanceText = `'kind', 'admit'`;
  // The audit stream's lookup as it goes over the wire, and the same with a name Redis refuses.
  const XREVRANGE = /\$9\r\nxrevrange\r\n/i;
  const SPOILED_LOOKUP = '$9\r\nxrevrangX\r\n';

  /**
   * A TCP proxy to the development Redis that, while armed, forwards a head move to Redis and
   * then drops the connection instead of forwarding Redis' answer (a NOSCRIPT answer is passed
   * on: the script did not run). With `readOnlyAfter`, the move the client sends again is not
   * forwarded but answered READONLY, as a primary demoted by a failover answers writes; then the
   * next `refusedLookups` reads of the audit stream are answered with an error too (by Redis).
   */
  async function replyLosingProxy(readOnlyAfter: boolean, refusedLookups: number) {
    const target = new URL(testInfra().redisUrl);
    const state = { armed: false, lost: 0, readOnly: false, refusedLookups: 0 };
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      let awaitingReply = false;
      client.on('data', (chunk: Buffer) => {
        const text = chunk.toString('latin1');
        const headMove = text.includes(advanceSha) || text.includes(advanceText);
        if (state.readOnly && headMove) {
          state.readOnly = false;
          client.write("-READONLY You can't write against a read only replica.\r\n");
          return;
        }
        // A lookup is refused by Redis itself, its name spoiled on the way: a packet may carry
        // other commands with it (ioredis pipelines a tick's commands), and each keeps its reply.
        const refused =
          state.refusedLookups > 0 ? text.replace(XREVRANGE, () => SPOILED_LOOKUP) : text;
        if (refused !== text) state.refusedLookups--;
        if (state.armed && headMove) awaitingReply = true;
        upstream.write(refused === text ? chunk : Buffer.from(refused, 'latin1'));
      });
      upstream.on('data', (chunk: Buffer) => {
        if (awaitingReply && !chunk.toString('latin1').startsWith('-NOSCRIPT')) {
          state.armed = false;
          state.lost++;
          state.readOnly = readOnlyAfter;
          state.refusedLookups = refusedLookups;
          client.destroy();
          return;
        }
        awaitingReply = false;
        client.write(chunk);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    return {
      state,
      url: `redis://127.0.0.1:${port}`,
      close: async () => {
        for (const s of sockets) s.destroy();
        await new Promise((r) => server.close(r));
      },
    };
  }

  it.each([
    ['the client sent the script again (it found the head moved)', false, 0],
    [
      'the script sent again was refused (READONLY: the move is in doubt until the next tick)',
      true,
      0,
    ],
    ['the script sent again was refused, and so were the next two questions about it', true, 2],
  ])(
    'when Redis ran a head move and its answer was lost, and %s, then Postgres still records it: the durable audit covers every number up to the head, in order',
    async (_fault, readOnlyAfter, refusedLookups) => {
      const proxy = await replyLosingProxy(readOnlyAfter, refusedLookups);
      let queue: ServiceHandle | undefined;
      try {
        queue = await startQueue({
          ...(await testRedisUsers(KEY_PREFIX)).login('queue'),
          REDIS_URL: proxy.url,
          REDIS_KEY_PREFIX: KEY_PREFIX,
        });
        const instance = queue;
        // The same Redis and keys, reached without the proxy.
        const concertId = await knownConcert({ REDIS_KEY_PREFIX: KEY_PREFIX });
        // A join in flight on the connection the proxy drops is answered 503 (the store did not
        // answer): asked again, as a client does on Retry-After.
        const otherAnswers: number[] = [];
        const joinFans = async (n: number) =>
          Promise.all(
            Array.from({ length: n }, () =>
              eventually(async () => {
                const res = await join(instance.url, uuid(), concertId);
                if (res.status !== 503 && res.status !== 201) otherAnswers.push(res.status);
                expect(res.status).toBe(201);
                return res.body;
              }),
            ),
          );
        const admittedAll = async (fans: { token: string }[]) =>
          eventually(async () => {
            for (const fan of fans)
              expect((await poll(instance.url, fan.token)).body.status).toBe('ACTIVE');
          });

        // The first fans' move: Redis runs it, its answer is lost (armed before they join: the
        // instance ticks all along, and nobody is in line to move the head over before them).
        proxy.state.armed = true;
        const first = await joinFans(3);
        await admittedAll(first);
        expect(proxy.state.lost).toBe(1);
        // Later moves go through as usual.
        await admittedAll(await joinFans(3));

        // The moves after the one in doubt wait for it: once the store answers, all are recorded,
        // in order, with no gap at any moment.
        const { journal } = await queuePorts({ REDIS_KEY_PREFIX: KEY_PREFIX });
        const line = await journal.line(concertId);
        const firstRecorded: (number | undefined)[] = [];
        await eventually(async () => {
          const moves = (await journal.admissions(concertId, line!.epoch)).map((a) => ({
            id: `postgres:${a.from}`,
            ...a,
            idle: parseRanges(a.idle),
            gone: parseRanges(a.gone).length,
          }));
          firstRecorded.push(moves[0]?.from);
          const report = checkFairness(moves);
          expect(report.problems).toEqual([]);
          expect(moves[0]?.from).toBe(1);
          expect(report.admitted).toBe(6);
        });
        expect(firstRecorded.filter((from) => from !== undefined && from !== 1)).toEqual([]);
        // Each time the move was in doubt is a warning: asked for, then each question refused.
        const warned = (msg: string) =>
          queueLogs().then((logs) =>
            logs.filter((l) => l.concertId === concertId && l.msg === msg),
          );
        expect((await warned('a head move is in doubt')).length).toBe(readOnlyAfter ? 1 : 0);
        expect((await warned('a head move is still in doubt')).length).toBe(refusedLookups);
        expect(proxy.state.refusedLookups).toBe(0);
        expect(otherAnswers).toEqual([]); // a join is answered 201, or 503 while the store is away
      } finally {
        await queue?.stop();
        await proxy.close();
      }
    },
  );

  it('when twenty other head moves were made after one, then the store still finds it by its id; a move it never made, from a head another move passed, is not found', async () => {
    // Admission paused: the head moves only as the test asks the store.
    const queue = await startQueue({ QUEUE_ADMIT_PER_SECOND: '0' });
    try {
      const concertId = await knownConcert(queue);
      await Promise.all(Array.from({ length: 25 }, () => join(queue.url, uuid(), concertId)));
      const { line } = (await queuePorts(queue)).store;
      const move = (id: string, from: number) =>
        line.advance(concertId, {
          id,
          from,
          to: from + 1,
          admitted: 1,
          ttlMs: 60_000,
          idle: '',
          gone: 0,
          goneRanges: '',
        });
      expect(await move('ours', 0)).toBeGreaterThan(0);
      for (let head = 1; head <= 20; head++)
        expect(await move(`other-${head}`, head)).toBeGreaterThan(0);
      // Asked again from the head it started at, the script finds the head moved: not moved.
      expect(await move('ours', 0)).toBe(0);

      expect(await line.moveMadeAt(concertId, 'ours', 1)).toBeGreaterThan(0);
      expect(await line.moveMadeAt(concertId, 'never', 1)).toBeUndefined();
      expect(await line.moveMadeAt(concertId, 'never', 22)).toBeUndefined();
    } finally {
      await queue.stop();
    }
  });
});
