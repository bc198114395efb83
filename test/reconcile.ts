import fs from 'node:fs';
import path from 'node:path';
import { ALL_TOPICS, DATABASE_SERVICES } from '@ticketing/contracts';
import { createDb } from '@ticketing/platform/wiring';
import { eventually, readTopics, testKafka, type StoredMessage } from '@ticketing/testing';
import type { Cluster } from './cluster';

/** Which service handles which message type on which topic: the events' AsyncAPI document. */
const ASYNCAPI = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../libs/contracts/asyncapi.json'), 'utf8'),
) as { operations: Record<string, { action: string; messages: { $ref: string }[] }> };

function receivers(): Map<string, string[]> {
  const byTopicAndType = new Map<string, string[]>();
  for (const [name, op] of Object.entries(ASYNCAPI.operations)) {
    const match = /^(\w+)\.receives\.(.+)$/.exec(name);
    if (!match || op.action !== 'receive') continue;
    const [, service, topic] = match;
    for (const ref of op.messages) {
      const key = `${topic}|${ref.$ref.split('/').at(-1)}`;
      byTopicAndType.set(key, [...(byTopicAndType.get(key) ?? []), service!]);
    }
  }
  return byTopicAndType;
}

/** Every message on the system's topics so far (not the dead-letter topics). */
export function readAllMessages(
  cluster: Pick<Cluster, 'topicPrefix' | 'kafkaBrokers'>,
): Promise<StoredMessage[]> {
  return readTopics(
    ALL_TOPICS.map((t) => `${cluster.topicPrefix}${t}`),
    cluster.kafkaBrokers,
  );
}

/**
 * No message lost, no effect applied twice: every outbox is drained (all it held was published),
 * nothing went to a dead-letter topic, and every message on a topic was taken into the inbox of
 * every Postgres service that handles its type — once, as the inbox's key allows no more.
 */
export async function expectMessagesReconcile(cluster: Cluster): Promise<{ messages: number }> {
  // The queue sends its events directly (Redis has no transactions with Kafka): no outbox, no inbox.
  const services = DATABASE_SERVICES.filter((s) => s !== 'queue');
  await eventually(
    async () => {
      for (const name of services) {
        const db = createDb({ url: cluster.databaseUrl(name), applicationName: 'reconcile' });
        try {
          const [{ count }] = await db('outbox').count({ count: '*' });
          expect({ outbox: name, unpublished: Number(count) }).toEqual({
            outbox: name,
            unpublished: 0,
          });
        } finally {
          await db.destroy();
        }
      }
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  const admin = testKafka(cluster.kafkaBrokers).admin();
  await admin.connect();
  try {
    for (const topic of ALL_TOPICS) {
      const dead = (await admin.topicOffsets(`${cluster.topicPrefix}${topic}.dlt`)).reduce(
        (sum, p) => sum + Number(p.high),
        0,
      );
      expect({ deadLetters: `${topic}.dlt`, count: dead }).toEqual({
        deadLetters: `${topic}.dlt`,
        count: 0,
      });
    }
  } finally {
    await admin.disconnect();
  }
  const handledBy = receivers();
  const expected = new Map<string, Set<string>>(services.map((s) => [s, new Set()]));
  const history = await readAllMessages(cluster);
  for (const { topic, message } of history) {
    const type = String(message.headers?.['event-type']);
    const id = String(message.headers?.['message-id']);
    for (const service of handledBy.get(`${topic.slice(cluster.topicPrefix.length)}|${type}`) ?? [])
      expected.get(service)?.add(id);
  }
  await eventually(
    async () => {
      for (const name of services) {
        const db = createDb({ url: cluster.databaseUrl(name), applicationName: 'reconcile' });
        try {
          const rows = (await db('inbox').where({ consumer: name }).select('message_id')) as {
            message_id: string;
          }[];
          const inbox = new Set(rows.map((r) => r.message_id));
          const missing = [...expected.get(name)!].filter((id) => !inbox.has(id));
          expect({ inbox: name, missing }).toEqual({ inbox: name, missing: [] });
        } finally {
          await db.destroy();
        }
      }
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  return { messages: history.length };
}
