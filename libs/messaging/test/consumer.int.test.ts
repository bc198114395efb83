import { Database, AppError } from '@ticketing/platform';
import {
  captureLogs,
  createTestTopics,
  eventually,
  testKafka,
  TopicCapture,
  uuid,
} from '@ticketing/testing';
import { MessageConsumer, on } from '../src/consumer';
import { DLT_HEADER } from '../src/dlt';
import { buildMessage } from '../src/envelope';
import { inboxUnitOfWork, publishNow, type TxContext } from '../src/unit-of-work';
import type { Publisher } from '../src/broker';
import { dltOf } from '../src/topics';
import { messagingDatabase, sequenceContract } from './fixtures';

describe('consumer runner with inbox and dead-letter topic', () => {
  let fixture: Awaited<ReturnType<typeof messagingDatabase>>;
  let producer: Publisher;
  let topic: string;
  let consumer: MessageConsumer<TxContext>;
  let dlt: TopicCapture;
  const attempts = new Map<string, number>();
  /** The transaction each `batch-` message was applied in. */
  const transactions = new Map<number, string>();
  const { logger } = captureLogs('consumer-test');

  beforeAll(async () => {
    fixture = await messagingDatabase();
    [topic] = await createTestTopics('consumer');
    producer = testKafka().publisher();
    await producer.connect();
    dlt = await TopicCapture.start([dltOf(topic!)]);
    const contract = sequenceContract(topic!);
    consumer = new MessageConsumer<TxContext>({
      kafka: testKafka(),
      groupId: `test-${uuid()}`,
      logger,
      producer,
      unitOfWork: inboxUnitOfWork(new Database(fixture.db), 'counter', 'test'),
      maxAttempts: 3,
      retryBaseMs: 10,
      handlers: [
        on(contract, async (message, { tx }) => {
          const trx = tx.knex;
          const { key } = message.data;
          const tries = (attempts.get(key) ?? 0) + 1;
          attempts.set(key, tries);
          if (key.startsWith('reject-') || message.data.seq === 999)
            throw AppError.validation('this can never be applied');
          if (key.startsWith('batch-')) {
            const { rows } = await trx.raw<{ rows: { id: string }[] }>(
              'select txid_current() as id',
            );
            transactions.set(message.data.seq, rows[0]!.id);
          }
          if (key.startsWith('always-fails-')) throw new Error('bug in handler');
          if (key.startsWith('flaky-') && tries < 3) throw new Error('flaky dependency');
          await trx('counters')
            .insert({ key, value: 1 })
            .onConflict('key')
            .merge({ value: trx.raw('counters.value + 1') });
        }),
      ],
    });
    const assigned = consumer.waitForAssignment();
    await consumer.start();
    await assigned;
  });

  afterAll(async () => {
    await consumer.stop();
    await dlt.stop();
    await producer.disconnect();
    await fixture.drop();
  });

  const counter = async (key: string) =>
    ((await fixture.db('counters').where({ key }).first()) as { value: number } | undefined)?.value;

  it('when the same message is delivered twice, then its effect is applied once', async () => {
    const key = `dup-${uuid()}`;
    const contract = sequenceContract(topic);
    const message = buildMessage(contract, { key, seq: 1 }, { source: 'test' });
    await publishNow(producer, [message]);
    await publishNow(producer, [message]); // redelivery: the same message id
    // A later message on the same key (same partition) is handled after the duplicate, so
    // once it shows, the duplicate has been seen.
    await publishNow(producer, [buildMessage(contract, { key, seq: 2 }, { source: 'test' })]);
    await eventually(async () => expect(await counter(key)).toBe(2));
    expect(attempts.get(key)).toBe(2); // the handler never ran for the duplicate
    expect(await fixture.db('inbox').where({ message_id: message.envelope.id })).toHaveLength(1);
  });

  it('when messages arrive together, then a batch is applied in one transaction, a duplicate in it once', async () => {
    const key = `batch-${uuid()}`;
    const contract = sequenceContract(topic);
    const messages = Array.from({ length: 20 }, (_, i) =>
      buildMessage(contract, { key, seq: i + 1 }, { source: 'test' }),
    );
    // One produce request, one key: one partition, fetched together.
    await producer.send({
      topic,
      messages: [...messages, messages[4]!].map((m) => ({
        key: m.key,
        value: JSON.stringify(m.envelope),
        headers: m.headers,
      })),
    });
    await eventually(async () => expect(await counter(key)).toBe(20));
    // One transaction per message would be 20; a fetch may split the batch, rarely many times.
    expect(new Set(transactions.values()).size).toBeLessThan(5);
    expect(
      await fixture.db('inbox').whereIn(
        'message_id',
        messages.map((m) => m.envelope.id),
      ),
    ).toHaveLength(20);
  });

  it('when one message of a batch can never be applied, then the others are, and it goes to the DLT', async () => {
    const key = `mixed-${uuid()}`;
    const contract = sequenceContract(topic);
    const seqs = [1, 2, 3, 999, 4, 5];
    await producer.send({
      topic,
      messages: seqs.map((seq) => {
        const m = buildMessage(contract, { key, seq }, { source: 'test' });
        return { key: m.key, value: JSON.stringify(m.envelope), headers: m.headers };
      }),
    });
    await eventually(async () => expect(await counter(key)).toBe(5));
    await eventually(() => expect(dlt.where((m) => m.key === key)).toHaveLength(1));
    expect(dlt.where((m) => m.key === key)[0]!.headers[DLT_HEADER.reason]).toBe('HANDLER_REJECTED');
  });

  it('when a poison message arrives, then it lands in the DLT with the reason and the consumer keeps going', async () => {
    const key = `poison-${uuid()}`;
    await producer.send({ topic, messages: [{ key, value: '{not json' }] });
    await producer.send({
      topic,
      messages: [
        {
          key,
          value: JSON.stringify({
            ...buildMessage(sequenceContract(topic), { key, seq: 1 }, { source: 't' }).envelope,
            data: { key, seq: -5 },
          }),
        },
      ],
    });
    const good = `${key}-good`;
    await publishNow(producer, [
      buildMessage(sequenceContract(topic), { key: good, seq: 1 }, { source: 'test' }),
    ]);
    await eventually(async () => expect(await counter(good)).toBe(1));
    await eventually(() => expect(dlt.where((m) => m.key === key)).toHaveLength(2));
    const reasons = dlt.where((m) => m.key === key).map((m) => m.headers[DLT_HEADER.reason]);
    expect(reasons.sort()).toEqual(['MALFORMED_ENVELOPE', 'SCHEMA_VIOLATION']);
    const schema = dlt.where(
      (m) => m.key === key && m.headers[DLT_HEADER.reason] === 'SCHEMA_VIOLATION',
    )[0]!;
    expect(schema.headers[DLT_HEADER.error]).toContain('seq');
    expect(schema.headers[DLT_HEADER.originalTopic]).toBe(topic);
  });

  it('when a handler rejects a message for good, then it goes to the DLT at once, without retries', async () => {
    const key = `reject-${uuid()}`;
    await publishNow(producer, [
      buildMessage(sequenceContract(topic), { key, seq: 1 }, { source: 'test' }),
    ]);
    await eventually(() => expect(dlt.where((m) => m.key === key)).toHaveLength(1));
    expect(dlt.where((m) => m.key === key)[0]!.headers[DLT_HEADER.reason]).toBe('HANDLER_REJECTED');
    expect(attempts.get(key)).toBe(1);
  });

  it('when a handler keeps failing, then it is retried up to the limit and then dead-lettered; nothing is half-applied', async () => {
    const key = `always-fails-${uuid()}`;
    const message = buildMessage(sequenceContract(topic), { key, seq: 1 }, { source: 'test' });
    await publishNow(producer, [message]);
    await eventually(() => expect(dlt.where((m) => m.key === key)).toHaveLength(1));
    expect(dlt.where((m) => m.key === key)[0]!.headers[DLT_HEADER.reason]).toBe(
      'RETRIES_EXHAUSTED',
    );
    expect(attempts.get(key)).toBe(3);
    expect(await counter(key)).toBeUndefined();
    expect(await fixture.db('inbox').where({ message_id: message.envelope.id })).toHaveLength(0);
  });

  it('when a handler fails twice and then succeeds, then the effect is applied exactly once', async () => {
    const key = `flaky-${uuid()}`;
    await publishNow(producer, [
      buildMessage(sequenceContract(topic), { key, seq: 1 }, { source: 'test' }),
    ]);
    await eventually(async () => expect(await counter(key)).toBe(1));
    expect(attempts.get(key)).toBe(3);
    expect(dlt.where((m) => m.key === key)).toHaveLength(0);
  });
});
