import { randomUUID } from 'node:crypto';
import type { KafkaClient, KafkaMessage, MessageHeaders, Publisher } from './broker';
import { DLT_HEADER } from './dlt';
import { HEADER } from './envelope';

/** Set on a message sent back from a `.dlt` topic: where it was parked (`topic/partition/offset`). */
export const REDRIVE_HEADER = { from: 'dlt-redriven-from', at: 'dlt-redriven-at' } as const;

/** One message parked on a `.dlt` topic, and why (the headers `sendToDlt` wrote). */
export interface DeadLetter {
  /** The `.dlt` topic, and where the message sits on it. */
  topic: string;
  partition: number;
  offset: string;
  /** The envelope's id and type, when the value is an envelope (a malformed one has neither). */
  id?: string;
  type?: string;
  correlationId?: string;
  key: string | null;
  reason: string;
  error: string;
  original: { topic: string; partition: number; offset: string };
  consumerGroup: string;
  failedAt: string;
  /** The message as parked: what a redrive publishes again. */
  message: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer> };
}

const text = (headers: MessageHeaders | undefined, name: string): string => {
  const v = headers?.[name];
  if (v === undefined) return '';
  return Array.isArray(v) ? String(v[0] ?? '') : String(v);
};

function deadLetterOf(topic: string, partition: number, m: KafkaMessage): DeadLetter {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = Buffer.from(first);
  }
  let envelope: { id?: unknown; type?: unknown; correlationId?: unknown } = {};
  try {
    envelope = JSON.parse(m.value?.toString('utf8') ?? '') as typeof envelope;
  } catch {
    // A malformed envelope is exactly what some dead letters are: listed without id and type.
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    topic,
    partition,
    offset: m.offset,
    id: str(envelope.id) ?? (text(m.headers, HEADER.messageId) || undefined),
    type: str(envelope.type) ?? (text(m.headers, HEADER.eventType) || undefined),
    correlationId:
      str(envelope.correlationId) ?? (text(m.headers, HEADER.correlationId) || undefined),
    key: m.key ? m.key.toString('utf8') : null,
    reason: text(m.headers, DLT_HEADER.reason),
    error: text(m.headers, DLT_HEADER.error),
    original: {
      topic: text(m.headers, DLT_HEADER.originalTopic),
      partition: Number(text(m.headers, DLT_HEADER.originalPartition)),
      offset: text(m.headers, DLT_HEADER.originalOffset),
    },
    consumerGroup: text(m.headers, DLT_HEADER.consumerGroup),
    failedAt: text(m.headers, DLT_HEADER.failedAt),
    message: { key: m.key ?? null, value: m.value ?? null, headers },
  };
}

/**
 * Every message on the `.dlt` topics named, from the first kept to the last written when the
 * read began (a member of its own throwaway group, deleted afterwards: no offsets are committed
 * and no service's group is touched). Optionally only those parked since a moment.
 */
export async function readDeadLetters(
  kafka: KafkaClient,
  topics: string[],
  options: { since?: Date; timeoutMs?: number } = {},
): Promise<DeadLetter[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `dlt-reader-${randomUUID()}`;
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) throw new Error(`no such topic: ${missing.join(', ')}`);
    // What is there now: partition → the offset of the next message to be written.
    const ends = new Map<string, bigint>();
    for (const topic of topics) {
      for (const p of await admin.topicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}/${p.partition}`, BigInt(p.high));
      }
    }
    if (ends.size === 0) return [];
    const letters: DeadLetter[] = [];
    let readToEnd!: () => void;
    const done = new Promise<void>((resolve) => (readToEnd = resolve));
    const reader = kafka.groupMember(
      groupId,
      {
        assigned: () => undefined,
        left: () => undefined,
        rebalancing: () => undefined,
        crashed: () => undefined,
      },
      { maxWaitMs: 100 },
    );
    try {
      await reader.run({
        topics: topics.filter((t) => hasEnd(ends, t)),
        fromBeginning: true,
        concurrency: 1,
        eachBatch: async ({ topic, partition, messages }) => {
          const slot = `${topic}/${partition}`;
          for (const message of messages) {
            const end = ends.get(slot);
            if (end === undefined) return;
            if (BigInt(message.offset) < end) {
              const letter = deadLetterOf(topic, partition, message);
              const failedAt = Date.parse(letter.failedAt);
              if (!options.since || !(failedAt < options.since.getTime())) letters.push(letter);
            }
            if (BigInt(message.offset) + 1n >= end) ends.delete(slot);
          }
          if (ends.size === 0) readToEnd();
        },
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        done,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('the dead-letter topics were not read to their end in time')),
            options.timeoutMs ?? 60_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    } finally {
      await reader.stop();
    }
    return letters.sort(
      (a, b) =>
        a.topic.localeCompare(b.topic) ||
        a.partition - b.partition ||
        Number(BigInt(a.offset) - BigInt(b.offset)),
    );
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

const hasEnd = (ends: Map<string, bigint>, topic: string) =>
  [...ends.keys()].some((slot) => slot.startsWith(`${topic}/`));

/** Counts by `.dlt` topic and reason: what `dlt list` prints first. */
export function countByTopicAndReason(
  letters: DeadLetter[],
): { topic: string; reason: string; count: number }[] {
  const counts = new Map<string, { topic: string; reason: string; count: number }>();
  for (const l of letters) {
    const k = `${l.topic}\u0000${l.reason}`;
    const entry = counts.get(k) ?? { topic: l.topic, reason: l.reason, count: 0 };
    entry.count++;
    counts.set(k, entry);
  }
  return [...counts.values()];
}

/**
 * Publishes dead letters again to the topics they were consumed from, with their key (so the same
 * partition and order as the first time), value and headers, less the `dlt-*` ones, plus where
 * they were parked. Handlers apply a message once through the inbox, so sending one back twice,
 * or one that another consumer group already applied, changes nothing more.
 */
export async function redriveDeadLetters(
  producer: Publisher,
  letters: DeadLetter[],
  now = new Date(),
): Promise<void> {
  const byTopic = new Map<string, DeadLetter[]>();
  for (const l of letters) {
    if (!l.original.topic) throw new Error(`${where(l)} names no original topic`);
    byTopic.set(l.original.topic, [...(byTopic.get(l.original.topic) ?? []), l]);
  }
  for (const [topic, group] of byTopic) {
    await producer.send({
      topic,
      messages: group.map((l) => {
        const headers: Record<string, Buffer | string> = {};
        for (const [name, value] of Object.entries(l.message.headers))
          if (!name.startsWith('dlt-')) headers[name] = value;
        headers[REDRIVE_HEADER.from] = where(l);
        headers[REDRIVE_HEADER.at] = now.toISOString();
        return { key: l.message.key, value: l.message.value, headers };
      }),
    });
  }
}

/** `topic/partition/offset` of a dead letter: how it is named in logs and in `--id`. */
export const where = (l: Pick<DeadLetter, 'topic' | 'partition' | 'offset'>) =>
  `${l.topic}/${l.partition}/${l.offset}`;
