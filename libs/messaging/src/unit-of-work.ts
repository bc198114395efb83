import type { Database, Transaction } from '@ticketing/platform';
import type { Publisher } from './broker';
import type { z } from 'zod';
import type { MessageContract } from '@ticketing/contracts';
import { buildMessage, type Envelope, type OutgoingMessage } from './envelope';
import type { InboxRecord, UnitOfWork } from './consumer';
import { claimMessage, claimMessages, isInboxConflict } from './inbox';
import { TopicNamespace } from './namespace';
import { enqueue } from './outbox';

/** What a handler of a Postgres service gets: its transaction and a way to send replies. */
export interface TxContext {
  tx: Transaction;
  /** Enqueue a message in the outbox, in this transaction; correlation follows the input. */
  send<S extends z.ZodType>(contract: MessageContract<S>, data: z.input<S>): Promise<void>;
}

/**
 * The handler's effect, the inbox record of the message id and the outgoing messages commit
 * together: in the handler's one statement when it has one (`alone`) and that statement settled
 * the message, else in one transaction. A redelivered message is skipped and changes nothing.
 */
export function inboxUnitOfWork(
  db: Database,
  consumer: string,
  source: string,
): UnitOfWork<TxContext> {
  // What handlers send is built at once (their context is the message's) and enqueued in one
  // statement just before the transaction commits.
  const collecting = (tx: Transaction, outbox: OutgoingMessage[]): TxContext => ({
    tx,
    send: async (contract, data) => void outbox.push(buildMessage(contract, data, { source })),
  });
  return {
    execute: async (message: Envelope, run, alone) => {
      // A handler that can apply the message in one statement tries that first: no transaction,
      // so one round trip to the database instead of its BEGIN, inbox, effect, outbox, COMMIT.
      if (alone) {
        const outcome = await alone({ inbox: recordOf(message), db }).catch((err: unknown) => {
          // Rolled back as a whole, so nothing was written: a duplicate in flight (the path below
          // says so), or a deadlock with one (the transaction takes the inbox key, then the row).
          if (isInboxConflict(err) || isRolledBackByTheServer(err)) return undefined;
          throw err;
        });
        if (outcome) return outcome;
      }
      return db.transaction(async (tx) => {
        if (!(await claimMessage(tx, consumer, message.id, message.type)))
          return 'duplicate' as const;
        const outbox: OutgoingMessage[] = [];
        await run(collecting(tx, outbox));
        await enqueue(tx, outbox);
        return 'applied' as const;
      });
    },
    // One transaction, in order. A message whose handler has one statement takes it inside the
    // transaction (its inbox record with it); the others' inbox records are written together
    // first. The outbox keeps the batch's order: what the handlers before a statement sent is
    // enqueued ahead of it. A statement the server refuses (a duplicate in flight on the inbox
    // key, a deadlock) fails the batch, whose messages then go one by one.
    executeBatch: async (items) => {
      if (items.length === 0) return [];
      return db.transaction(async (tx) => {
        const fresh = await claimMessages(
          tx,
          consumer,
          items.filter((i) => !i.alone).map((i) => ({ id: i.message.id, type: i.message.type })),
        );
        let outbox: OutgoingMessage[] = [];
        const outcomes: ('applied' | 'duplicate')[] = [];
        for (const { message, run, alone } of items) {
          if (alone) {
            await enqueue(tx, outbox);
            outbox = [];
            const outcome = await alone({ inbox: recordOf(message), db: tx });
            if (outcome) {
              outcomes.push(outcome);
              continue;
            }
          }
          const claimed = alone
            ? await claimMessage(tx, consumer, message.id, message.type)
            : fresh.delete(message.id);
          if (!claimed) {
            outcomes.push('duplicate');
            continue;
          }
          await run(collecting(tx, outbox));
          outcomes.push('applied');
        }
        await enqueue(tx, outbox);
        return outcomes;
      });
    },
  };

  function recordOf(message: Envelope): InboxRecord {
    return { consumer, messageId: message.id, type: message.type };
  }
}

export interface DirectContext {
  send<S extends z.ZodType>(contract: MessageContract<S>, data: z.input<S>): void;
}

/**
 * For services without a relational store: the handler's effect must be idempotent; its
 * messages are produced after it succeeds, before the offset is committed (at-least-once). A
 * batch's handlers run in order and what they send goes out in one produce request; if any
 * fails, the consumer runs them again one by one, which their idempotence allows.
 */
export function directUnitOfWork(
  producer: Publisher,
  source: string,
  topics = TopicNamespace.none,
): UnitOfWork<DirectContext> {
  const collecting = (out: OutgoingMessage[]): DirectContext => ({
    send: (contract, data) => void out.push(buildMessage(contract, data, { source })),
  });
  return {
    async execute(_message, run) {
      const out: OutgoingMessage[] = [];
      await run(collecting(out));
      if (out.length > 0) await publishNow(producer, out, topics);
      return 'applied';
    },
    async executeBatch(items) {
      const out: OutgoingMessage[] = [];
      for (const item of items) await item.run(collecting(out));
      if (out.length > 0) await publishNow(producer, out, topics);
      return items.map(() => 'applied' as const);
    },
  };
}

/** Produce messages right away (no outbox), acks=all. */
export async function publishNow(
  producer: Publisher,
  messages: OutgoingMessage[],
  topics = TopicNamespace.none,
): Promise<void> {
  await producer.sendBatch({
    topicMessages: messages.map((m) => ({
      topic: topics.name(m.topic),
      messages: [{ key: m.key, value: JSON.stringify(m.envelope), headers: m.headers }],
    })),
  });
}

/** A deadlock or a serialization failure: the server rolled the statement back. */
function isRolledBackByTheServer(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === '40P01' || code === '40001';
}
