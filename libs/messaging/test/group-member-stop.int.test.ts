import { createTestTopics, testKafka, uuid } from '@ticketing/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, GroupEvents } from '../src/broker';

/**
 * A member stopped while it joins its group (a service told to stop as it starts): stop() may
 * return only once what the join opened is closed, so nothing of the member is left to happen,
 * in the group or in the process, once it has. The join takes a few milliseconds on a local
 * broker: the stop is tried at every millisecond of it, from run()'s first step to well after.
 */
describe('a group member stopped while it joins', () => {
  let topic: string;
  let admin: Admin;

  beforeAll(async () => {
    [topic] = await createTestTopics('member-stop');
    admin = testKafka().admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.disconnect();
  });

  async function stopAfter(delayMs: number) {
    const groupId = `member-stop-${uuid()}`;
    const events: string[] = [];
    const recorded: GroupEvents = {
      assigned: () => events.push('assigned'),
      left: () => events.push('left'),
      rebalancing: () => undefined,
      crashed: (err) => events.push(`crashed: ${err.message}`),
    };
    // Short fetches: a stop after the join waits for the fetch in flight.
    const member = testKafka().groupMember(groupId, recorded, { maxWaitMs: 100 });
    let runSettled = false;
    const running = member
      .run({ topics: [topic], fromBeginning: true, concurrency: 1, eachBatch: async () => {} })
      .catch(() => undefined)
      .finally(() => (runSettled = true));
    // Not a wait for an effect: the moment of the join at which this round stops the member.
    if (delayMs > 0) await sleep(delayMs);
    await member.stop();
    const atStop = { delayMs, runSettled, events: events.length };
    const [group] = await admin.describeGroups([groupId]);
    await running;
    return {
      ...atStop,
      members: group?.members ?? 0,
      // An assignment or a crash reported after stop() returned: the member outlived it.
      after: events.slice(atStop.events).filter((e) => e !== 'left'),
    };
  }

  it('when stop() is called at any moment of the join, then by the time it returns run() is over and the group has no member', async () => {
    const rounds = [];
    for (let delayMs = 0; delayMs <= 25; delayMs++) rounds.push(await stopAfter(delayMs));
    const expected = rounds.map(({ delayMs }) => ({
      delayMs,
      runSettled: true,
      members: 0,
      after: [],
    }));
    expect(
      rounds.map(({ delayMs, runSettled, members, after }) => ({
        delayMs,
        runSettled,
        members,
        after,
      })),
    ).toEqual(expected);
  }, 120_000);
});
