import { randomUUID } from 'node:crypto';
import { type Envelope } from '@ticketing/messaging';
import {
  createKafka,
  ensureTopics,
  type ConsumerGroupMember,
  type KafkaClient,
  type KafkaMessage,
  type MessageHeaders,
} from '@ticketing/messaging/wiring';
import { kafkaClientFrom, type Logger } from '@ticketing/platform';
import { createLogger } from '@ticketing/platform/wiring';
import { testInfra } from './env';
import { eventually } from './eventually';
import { randomSuffix, topicSuffix } from './ids';

/**
 * A Kafka client for a test, on the client the run is on (`KAFKA_CLIENT`, @platformatic/kafka
 * by default): `KAFKA_CLIENT=kafkajs npx jest <file>` runs a file's Kafka on kafkajs, and the
 * services it starts too (`infraEnv`).
 */
export function testKafka(
  brokers: string[] = testInfra().kafkaBrokers,
  logger: Logger = createLogger({ service: 'test-kafka', level: 'silent' }),
): KafkaClient {
  return createKafka({
    client: kafkaClientFrom(process.env),
    brokers,
    clientId: `test-${randomSuffix()}`,
    logger,
  });
}

/** Creates fresh topics (with DLTs) for one test and returns their names. */
export async function createTestTopics(...names: string[]): Promise<string[]> {
  const topics = names.map((n) => `test.${n}.${topicSuffix()}`);
  await ensureTopics(testKafka(), topics, { partitions: 3 });
  return topics;
}

export interface CapturedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  value: string | null;
  envelope?: Envelope;
}

/** A group member of its own that hands every message of `topics` to `each`, from the start. */
async function readEverything(
  kafka: KafkaClient,
  topics: string[],
  each: (topic: string, partition: number, message: KafkaMessage) => void,
): Promise<ConsumerGroupMember> {
  let joined = false;
  const member = kafka.groupMember(
    `capture-${randomUUID()}`,
    {
      assigned: () => void (joined = true),
      left: () => undefined,
      rebalancing: () => undefined,
      crashed: () => undefined,
    },
    { maxWaitMs: 50 },
  );
  await member.run({
    topics,
    fromBeginning: true,
    concurrency: topics.length * 3,
    eachBatch: async ({ topic, partition, messages }) => {
      for (const message of messages) each(topic, partition, message);
    },
  });
  await eventually(
    () => {
      if (!joined) throw new Error('capture consumer has not joined yet');
    },
    { timeoutMs: 30_000 },
  );
  return member;
}

/**
 * Records every message that reaches `topics` from now on: what was on them when it started is
 * left out (filter by the test's random ids on shared topics).
 */
export class TopicCapture {
  readonly messages: CapturedMessage[] = [];
  private member?: ConsumerGroupMember;

  static async start(topics: string[]): Promise<TopicCapture> {
    const capture = new TopicCapture();
    await capture.begin(topics);
    return capture;
  }

  private async begin(topics: string[]): Promise<void> {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    // A topic created a moment ago may not have its leader yet ("not the leader"): retriable.
    const ends = new Map<string, bigint>();
    try {
      await eventually(
        async () => {
          for (const topic of topics)
            for (const p of await admin.topicOffsets(topic))
              ends.set(`${topic}/${p.partition}`, BigInt(p.high));
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
    } finally {
      await admin.disconnect();
    }
    this.member = await readEverything(kafka, topics, (topic, partition, message) => {
      if (BigInt(message.offset) < (ends.get(`${topic}/${partition}`) ?? 0n)) return;
      const value = message.value?.toString('utf8') ?? null;
      let envelope: Envelope | undefined;
      try {
        envelope = value ? (JSON.parse(value) as Envelope) : undefined;
      } catch {
        envelope = undefined;
      }
      this.messages.push({
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString('utf8') ?? null,
        headers: headersOf(message.headers),
        value,
        envelope,
      });
    });
  }

  ofType(type: string): CapturedMessage[] {
    return this.messages.filter((m) => m.envelope?.type === type);
  }

  where(predicate: (m: CapturedMessage) => boolean): CapturedMessage[] {
    return this.messages.filter(predicate);
  }

  async stop(): Promise<void> {
    await this.member?.stop();
  }
}

/** A message as it was on a topic: what a test publishes again (redelivery, replay). */
export interface StoredMessage {
  topic: string;
  message: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | string> };
}

/** Every message on `topics` when it is called, in each partition's order. */
export async function readTopics(topics: string[], brokers?: string[]): Promise<StoredMessage[]> {
  const kafka = testKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  let total = 0;
  try {
    for (const topic of topics)
      for (const p of await admin.topicOffsets(topic)) total += Number(p.high) - Number(p.low);
  } finally {
    await admin.disconnect();
  }
  const seen: StoredMessage[] = [];
  const member = await readEverything(kafka, topics, (topic, _partition, m) => {
    const headers: Record<string, Buffer | string> = {};
    for (const [name, value] of Object.entries(m.headers ?? {}))
      if (value !== undefined) headers[name] = Array.isArray(value) ? value[0]! : value;
    seen.push({ topic, message: { key: m.key, value: m.value, headers } });
  });
  try {
    await eventually(
      () => {
        if (seen.length < total) throw new Error(`${seen.length} of ${total} messages read`);
      },
      { timeoutMs: 60_000 },
    );
  } finally {
    await member.stop();
  }
  return seen;
}

function headersOf(headers: MessageHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  }
  return out;
}
