import pino from 'pino';
import type { GroupMemberOptions, KafkaClient, Publisher } from '../../src/broker';
import { MessageConsumer } from '../../src/consumer/message-consumer';

/** A client that only records how it was asked for a group member (nothing is run). */
function recordingClient(asked: (GroupMemberOptions | undefined)[]): KafkaClient {
  return {
    name: 'kafkajs',
    publisher: () => ({}) as Publisher,
    admin: () => {
      throw new Error('not used');
    },
    groupMember: (_groupId, _events, options) => {
      asked.push(options);
      return { run: async () => undefined, stop: async () => undefined };
    },
  };
}

function consumerWith(asked: (GroupMemberOptions | undefined)[], maxWaitMs?: number) {
  return new MessageConsumer({
    kafka: recordingClient(asked),
    groupId: `fetch-wait-${Math.random()}`,
    logger: pino({ level: 'silent' }),
    handlers: [],
    unitOfWork: { execute: async () => undefined } as never,
    producer: {} as Publisher,
    ...(maxWaitMs !== undefined && { maxWaitMs }),
  });
}

describe("a consumer's fetch wait (KAFKA_CONSUMER_MAX_WAIT_MS)", () => {
  it('when the service sets it, then its group member fetches with it (a stop waits no longer)', () => {
    const asked: (GroupMemberOptions | undefined)[] = [];
    consumerWith(asked, 200);
    expect(asked).toEqual([{ maxWaitMs: 200 }]);
  });

  it("when it is not set, then the member is left to the client's default", () => {
    const asked: (GroupMemberOptions | undefined)[] = [];
    consumerWith(asked);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.maxWaitMs).toBeUndefined();
  });
});
