import { Producer, compatibilityPartitioner, type ProduceResult } from '@platformatic/kafka';
import type { Publisher, RecordToSend, TopicRecords, WrittenPartition } from '../broker';
import { call } from './errors';
import { internalSymbol } from './fetch-recovery';
import { logBrokerFailures } from './logging';
import { endStaleProduceAttempts, sendAfresh } from './produce-recovery';
import { connection, type ClientSettings } from './settings';

type Bytes = Buffer | string | null | undefined;
const bytes = (data?: Bytes): Buffer | undefined =>
  data === null || data === undefined
    ? undefined
    : Buffer.isBuffer(data)
      ? data
      : Buffer.from(data);

const written = (result: ProduceResult): WrittenPartition[] =>
  (result.offsets ?? []).map(({ topic, partition, offset }) => ({
    topic,
    partition,
    baseOffset: String(offset),
  }));

const records = ({ topic, messages }: TopicRecords) =>
  messages.map((m: RecordToSend) => ({ topic, key: m.key, value: m.value, headers: m.headers }));

/**
 * An @platformatic/kafka idempotent producer as the project's publisher: acks=all, one request in
 * flight per broker (the client's rule for an idempotent producer), no topic created by a send.
 * Keys go to the partitions Java's client (and kafkajs's default partitioner) choose: the
 * client's own default hashes them differently, so a service moving from one client to the other
 * would send a key's new messages to another partition than its old ones.
 */
export function platformaticPublisher(settings: ClientSettings): Publisher {
  const producer = new Producer<Bytes, Bytes, Bytes, Bytes>({
    ...connection(settings),
    idempotent: true,
    acks: -1,
    autocreateTopics: false,
    partitioner: (message, key) => compatibilityPartitioner(message, key),
    serializers: { key: bytes, value: bytes, headerKey: bytes, headerValue: bytes },
  });
  // A send refused by a broker that no longer leads a partition goes again, grouped afresh.
  endStaleProduceAttempts(producer, internalSymbol(producer, 'plt.kafka.base.performWithRetry'));
  const send = (messages: ReturnType<typeof records>) =>
    call(() => sendAfresh(producer, () => producer.send({ messages })));
  logBrokerFailures(producer, settings.logger);
  return {
    // The producer id is asked for at once, as kafkajs's connect does: a broker that refuses
    // this client (credentials, permissions) says so at start, not at the first send.
    connect: () => call(() => producer.initIdempotentProducer({})).then(() => undefined),
    disconnect: () => call(() => producer.close()),
    send: async (topicRecords) => written(await send(records(topicRecords))),
    sendBatch: async ({ topicMessages }) => written(await send(topicMessages.flatMap(records))),
  };
}
