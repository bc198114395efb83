import net from 'node:net';
import { captureLogs, createTestTopics, eventually, testKafka, uuid } from '@ticketing/testing';
import type { Publisher } from '../src/broker';
import { MessageConsumer, on } from '../src/consumer';
import { directUnitOfWork, type DirectContext } from '../src/unit-of-work';
import { sequenceContract } from './fixtures';

/** A port nothing listens on: every connection to it is refused (a retriable failure). */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A service's HTTP does not wait for its consumer's group (`start({ joined: false })`), and a
 * join that fails on a retriable error is no crash: kafkajs retries it for ever. Readiness must
 * still say when no consumer runs: it fails once the consumer has been out of its group longer
 * than its join deadline, naming for how long, and stays green for one that joined.
 */
describe('consumer readiness while it joins its group', () => {
  const JOIN_DEADLINE_MS = 2000;
  const { logger } = captureLogs('readiness-test');
  let topic: string;
  let producer: Publisher;
  const consumers: MessageConsumer<DirectContext>[] = [];

  beforeAll(async () => {
    [topic] = await createTestTopics('readiness');
    producer = testKafka().publisher();
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await producer.disconnect();
  }, 60_000);

  const consumerOn = (brokers?: string[]) => {
    const consumer = new MessageConsumer<DirectContext>({
      kafka: testKafka(brokers),
      groupId: `readiness-${uuid()}`,
      logger,
      producer,
      unitOfWork: directUnitOfWork(producer, 'test'),
      handlers: [on(sequenceContract(topic), async () => undefined)],
      joinDeadlineMs: JOIN_DEADLINE_MS,
    });
    consumers.push(consumer);
    return consumer;
  };

  it('when a consumer cannot join its group for longer than its deadline, then readiness fails naming how long; one that joined stays ready', async () => {
    const stuck = consumerOn([`127.0.0.1:${await deadPort()}`]);
    const joining = consumerOn();
    const assigned = joining.waitForAssignment();
    await stuck.start({ joined: false });
    await joining.start({ joined: false });
    // Within the deadline a join is given its time.
    await expect(stuck.readinessCheck()).resolves.toBeUndefined();

    const failure = await eventually(
      async () => {
        const said = await stuck.readinessCheck().then(
          () => 'ready',
          (err: Error) => err.message,
        );
        expect(said).toMatch(/^kafka consumer out of its group for \d+ ms/);
        return said;
      },
      { timeoutMs: 20_000 },
    );
    expect(Number(/for (\d+) ms/.exec(failure)![1])).toBeGreaterThan(JOIN_DEADLINE_MS);
    expect(stuck.healthy()).toBe(false);

    // Started together: the deadline has passed for this one too, which joined meanwhile.
    await assigned;
    await expect(joining.readinessCheck()).resolves.toBeUndefined();
    expect(joining.healthy()).toBe(true);
  }, 60_000);
});
