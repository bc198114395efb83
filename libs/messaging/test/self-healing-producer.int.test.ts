import {
  captureLogs,
  createTestTopics,
  eventually,
  testKafka,
  TopicCapture,
} from '@ticketing/testing';
import { producerUnusable } from '../src/kafkajs';
import { SelfHealingPublisher } from '../src/self-healing-publisher';

/** A producer that can no longer be used is replaced, and the send goes through on the new one. */
describe('a producer that breaks', () => {
  it('when the producer in use is broken behind the service’s back, then the next send replaces it and is delivered', async () => {
    const [topic] = await createTestTopics('healing');
    const capture = await TopicCapture.start([topic!]);
    const { logger, lines } = captureLogs('producer-test');
    const producer = testKafka(undefined, logger).publisher();
    expect(producer).toBeInstanceOf(SelfHealingPublisher);
    const healing = producer as SelfHealingPublisher;
    await producer.connect();
    try {
      await producer.send({ topic: topic!, messages: [{ key: 'k', value: 'before' }] });
      const broken = healing.current;
      // Every send of it now fails: "The producer is disconnected" (kafkajs), "Client is closed."
      // (@platformatic/kafka), "Cannot send without awaiting connect()" (Confluent's).
      await broken.disconnect();
      await expect(broken.send({ topic: topic!, messages: [{ value: 'x' }] })).rejects.toThrow(
        /disconnected|closed|without awaiting connect/,
      );

      await producer.send({ topic: topic!, messages: [{ key: 'k', value: 'after' }] });

      expect(healing.replacements).toBe(1);
      expect(healing.current).not.toBe(broken);
      expect(lines()).toContainEqual(
        expect.objectContaining({ level: 'warn', msg: 'kafka producer unusable; replacing it' }),
      );
      await eventually(() =>
        expect(capture.messages.map((m) => m.value)).toEqual(['before', 'after']),
      );
    } finally {
      await producer.disconnect();
      await capture.stop();
    }
  });

  it.each([
    [{ message: 'The producer is disconnected' }, true],
    [{ message: 'wrapped', cause: { type: 'OUT_OF_ORDER_SEQUENCE_NUMBER' } }, true],
    [{ message: 'x', type: 'INVALID_PRODUCER_EPOCH' }, true],
    [{ message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' }, false],
    [{ message: 'x', type: 'NOT_LEADER_FOR_PARTITION' }, false],
  ])('when a kafkajs send fails with %j, then the producer is unusable: %s', (err, unusable) => {
    expect(producerUnusable(err)).toBe(unusable);
  });
});
