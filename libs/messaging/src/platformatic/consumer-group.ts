import { Consumer, type Message, type MessagesStream } from '@platformatic/kafka';
import type {
  ConsumerGroupMember,
  ConsumerGroupRun,
  FetchedBatch,
  GroupEvents,
  GroupMemberOptions,
  KafkaMessage,
  MessageHeaders,
  OffsetsToCommit,
} from '../broker';
import { KAFKA_CLIENT_SETTINGS } from '../client-settings';
import { MemberLifecycle, fetchWaitMs } from '../member-lifecycle';
import { call, portError } from './errors';
import { internalSymbol, replanFailedFetches } from './fetch-recovery';
import { logBrokerFailures } from './logging';
import { consumerSettings, type ClientSettings } from './settings';

type Fetched = Message<Buffer, Buffer, string, Buffer>;

function kafkaMessage(m: Fetched): KafkaMessage {
  const headers: MessageHeaders = {};
  for (const [name, value] of m.headerEntries) {
    if (value === undefined) continue;
    const before = headers[name];
    headers[name] =
      before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
  }
  return {
    key: m.key ?? null,
    value: m.value ?? null,
    headers,
    offset: String(m.offset),
    timestamp: String(m.timestamp),
  };
}

/** The messages of one round, one batch per partition, in the order they were fetched. */
function byPartition(
  messages: Fetched[],
): { topic: string; partition: number; messages: Fetched[] }[] {
  const batches = new Map<string, { topic: string; partition: number; messages: Fetched[] }>();
  for (const m of messages) {
    const key = `${m.topic}\u0000${m.partition}`;
    const batch = batches.get(key) ?? { topic: m.topic, partition: m.partition, messages: [] };
    batch.messages.push(m);
    batches.set(key, batch);
  }
  return [...batches.values()];
}

async function eachAtMost<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, worker),
  );
}

/**
 * A consumer group member on @platformatic/kafka, with the project's settings: a 10 s session,
 * 2 s heartbeats (sent by the client on its own timer, so a long batch need not) and a 10 s
 * rebalance; manual commits only (the consumer commits what it handled on its own schedule, ADR
 * 0013), through the generation that fetched the batch.
 *
 * The client hands over messages one by one from a stream it fills by fetching; the member
 * turns that into the consumer's rounds (ADR 0014): it takes what one fetch brought, pauses the
 * stream (no fetch while a round is handled, as kafkajs does), hands the batches over one per
 * partition, side by side, and fetches again once they are done.
 *
 * The client brings nothing back by itself: a member whose stream failed (an outage longer than
 * its retries, a batch that threw) reports a crash and its owner starts a new one.
 */
export function platformaticGroupMember(
  settings: ClientSettings,
  groupId: string,
  events: GroupEvents,
  options: GroupMemberOptions = {},
): ConsumerGroupMember {
  let consumer: Consumer<Buffer, Buffer, string, Buffer> | undefined;
  let stream: MessagesStream<Buffer, Buffer, string, Buffer> | undefined;
  const lifecycle = new MemberLifecycle();
  let rounds: Promise<void> | undefined;
  /** A round is waiting to be taken (the stream said it has data, or ended). */
  let pending = false;
  let wake: (() => void) | undefined;

  function signal(): void {
    pending = true;
    wake?.();
  }

  function crash(error: unknown): void {
    if (lifecycle.crash(events, portError(error))) signal();
  }

  function newConsumer(): Consumer<Buffer, Buffer, string, Buffer> {
    const created = new Consumer<Buffer, Buffer, string, Buffer>({
      ...consumerSettings(settings),
      groupId,
      // The round-robin assignment under every name the project's members offer it: members of
      // every client can share a group. The client assigns round-robin under any name.
      protocols: KAFKA_CLIENT_SETTINGS.consumer.assignmentProtocols.map((name) => ({
        name,
        version: 0,
      })),
      // A fetch is a long poll: the broker answers as soon as a message arrives. It bounds how
      // often an idle member asks, and how long a stop waits for the fetch in flight.
      maxWaitTime: fetchWaitMs(options),
      // kafkajs's limits of one fetch: 10 MB, 1 MB per partition.
      maxBytes: 10 * 1024 * 1024,
      maxBytesPerPartition: 1024 * 1024,
      autocommit: false,
      deserializers: { headerKey: (data?: Buffer) => data?.toString('utf8') },
    });
    created.on('consumer:group:join', ({ assignments }) =>
      events.assigned(Object.fromEntries((assignments ?? []).map((a) => [a.topic, a.partitions]))),
    );
    created.on('consumer:group:leave', () => events.left());
    // A fetch that failed on a lost broker is planned again, not retried there (fetch-recovery.ts).
    replanFailedFetches(created, internalSymbol(created, 'plt.kafka.base.performWithRetry'));
    logBrokerFailures(created, settings.logger);
    // A rejoin that failed for good: the member is out of its group and stays out.
    created.on('error', (err: Error) => crash(err));
    return created;
  }

  /** Joins the group: a new client for each attempt, the one before closed. */
  async function join(run: ConsumerGroupRun): Promise<void> {
    const attempt = async () => {
      if (lifecycle.stopping) throw new Error('the member was stopped before it joined its group');
      const created = (consumer = newConsumer());
      try {
        stream = await created.consume({
          topics: run.topics,
          mode: 'committed',
          fallbackMode: run.fromBeginning ? 'earliest' : 'latest',
          autocommit: false,
        });
      } catch (err) {
        await created.close(true).catch(() => undefined);
        throw portError(err);
      }
      // From its first moment: a stream opened as a stop closes the client fails at once.
      stream.on('error', (err: Error) => crash(err));
    };
    await lifecycle.subscribe(attempt);
  }

  function owns(topic: string, partition: number): boolean {
    return (
      consumer?.assignments?.some((a) => a.topic === topic && a.partitions.includes(partition)) ??
      false
    );
  }

  async function commit(generation: number, offsets: OffsetsToCommit): Promise<void> {
    const current = consumer;
    // A commit of a generation that is gone would make the client rejoin the group, and the
    // whole group rebalance again: what it handled is committed by the partitions' next owners.
    if (lifecycle.crashed || !current || current.generationId !== generation || !current.isActive())
      throw Object.assign(new Error('the group generation that fetched these offsets is gone'), {
        retriable: true,
      });
    await call(() =>
      current.commit({
        offsets: offsets.flatMap(({ topic, partitions }) =>
          partitions.map(({ partition, offset }) => ({
            topic,
            partition,
            offset: BigInt(offset),
            leaderEpoch: -1,
          })),
        ),
      }),
    );
  }

  function batchOf(
    generation: number,
    fetched: { topic: string; partition: number; messages: Fetched[] },
  ): FetchedBatch {
    const messages = fetched.messages.map(kafkaMessage);
    return {
      topic: fetched.topic,
      partition: fetched.partition,
      messages,
      lastOffset: () => messages.at(-1)!.offset,
      // The stream fetches on from where it is; a new generation starts from what was committed.
      resolveOffset: () => undefined,
      heartbeat: () => Promise.resolve(),
      stillOurs: () =>
        !lifecycle.stopping &&
        !lifecycle.crashed &&
        consumer?.generationId === generation &&
        owns(fetched.topic, fetched.partition),
      commit: (offsets) => commit(generation, offsets),
    };
  }

  async function round(messages: Fetched[], run: ConsumerGroupRun): Promise<void> {
    const generation = consumer!.generationId;
    // What was fetched for partitions this member no longer has is the next owner's.
    const batches = byPartition(messages).filter((b) => owns(b.topic, b.partition));
    await eachAtMost(batches, run.concurrency, (b) => run.eachBatch(batchOf(generation, b)));
  }

  async function consumeRounds(run: ConsumerGroupRun): Promise<void> {
    const source = stream!;
    // Paused as soon as a fetch brought something: nothing is fetched while a round runs.
    source.on('readable', () => {
      source.pause();
      signal();
    });
    source.on('close', signal);
    for (;;) {
      if (!pending && !lifecycle.stopping && !lifecycle.crashed)
        await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      pending = false;
      if (lifecycle.stopping || lifecycle.crashed) return;
      const messages: Fetched[] = [];
      for (let m = source.read() as Fetched | null; m !== null; m = source.read() as Fetched | null)
        messages.push(m);
      if (messages.length > 0) await round(messages, run);
      if (source.destroyed || source.readableEnded) {
        if (!lifecycle.stopping) crash(new Error('the consumer stream ended'));
        return;
      }
      if (source.readableLength > 0) pending = true;
      source.resume();
    }
  }

  async function close(): Promise<void> {
    await stream?.close().catch(() => undefined);
    await consumer?.close(true).catch(() => undefined);
  }

  return {
    async run(run: ConsumerGroupRun) {
      // Stopped while it joined: stop() closes what the join opened, once the join is over.
      if (!(await lifecycle.joining(join(run)))) return;
      rounds = consumeRounds(run).catch((err: unknown) => crash(err));
    },
    async stop() {
      const joined = lifecycle.stop();
      signal();
      const joinOver = await joined;
      // The round in flight finishes first: its batches commit what they handled on a stop.
      await rounds;
      await close();
      // A join that outlasted the wait fails soon, its client closed under it; whatever it
      // opened meanwhile is closed when it is over.
      if (!joinOver) lifecycle.afterJoin(close);
    },
  };
}
