import { randomUUID } from 'node:crypto';
import { type Envelope } from '@ticketing/messaging';
import { ensureTopics } from '@ticketing/messaging/wiring';
import { Kafka, logLevel, type Consumer, type IHeaders } from 'kafkajs';
import { testInfra } from './env';
import { eventually } from './eventually';
import { randomSuffix, topicSuffix } from './ids';

export function testKafka(brokers: string[] = testInfra().kafkaBrokers): Kafka {
  return new Kafka({
    clientId: `test-${randomSuffix()}`,
    brokers,
    logLevel: logLevel.NOTHING,
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

/**
 * Records every message that reaches `topics` from now on. Starts at the current end offsets,
 * so it sees exactly what the test caused (filter by the test's random ids on shared topics).
 */
export class TopicCapture {
  readonly messages: CapturedMessage[] = [];
  private consumer?: Consumer;

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
    const ends = await eventually(
      () =>
        Promise.all(
          topics.map(async (t) => ({ topic: t, offsets: await admin.fetchTopicOffsets(t) })),
        ),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await admin.disconnect();
    this.consumer = kafka.consumer({
      groupId: `capture-${randomUUID()}`,
      maxWaitTimeInMs: 50,
      sessionTimeout: 6000,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning: true });
    let joined = false;
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
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
      },
    });
    for (const { topic, offsets } of ends) {
      for (const o of offsets)
        this.consumer.seek({ topic, partition: o.partition, offset: o.offset });
    }
    await eventually(
      () => {
        if (!joined) throw new Error('capture consumer has not joined yet');
      },
      { timeoutMs: 30_000 },
    );
  }

  ofType(type: string): CapturedMessage[] {
    return this.messages.filter((m) => m.envelope?.type === type);
  }

  where(predicate: (m: CapturedMessage) => boolean): CapturedMessage[] {
    return this.messages.filter(predicate);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  }
  return out;
}
