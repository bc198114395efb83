import {
  AppError,
  SpanKind,
  inSpan,
  isAppError,
  markActiveSpanFailed,
  isTransientInfraError,
  runWithContext,
  type Logger,
} from '@ticketing/platform';
import type {
  Consumer,
  EachBatchPayload,
  EachMessagePayload,
  Kafka,
  KafkaMessage,
  Producer,
} from 'kafkajs';
import { Counter, type Registry } from 'prom-client';
import type { z } from 'zod';
import { REDRIVE_HEADER } from './dead-letters';
import { sendToDlt, type DltReason } from './dlt';
import type { MessageContract } from '@ticketing/contracts';
import { EnvelopeSchema, HEADER, type Envelope } from './envelope';
import { TopicNamespace } from './namespace';
import { ConsumerProgress } from './progress';
import { Together } from './together';

export type Handler<T, Ctx> = (message: Envelope<T>, ctx: Ctx) => Promise<void>;

export interface HandlerEntry<Ctx> {
  contract: MessageContract;
  handle: Handler<unknown, Ctx>;
}

/** One row of a service's topic → handler table. */
export function on<S extends z.ZodType, Ctx>(
  contract: MessageContract<S>,
  handle: Handler<z.output<S>, Ctx>,
): HandlerEntry<Ctx> {
  return { contract: contract as MessageContract, handle: handle as Handler<unknown, Ctx> };
}

/**
 * How a handler's effect is applied. The Postgres executor runs it in one transaction with the
 * inbox record and the outbox; a Redis-backed service runs it directly (its effects are
 * idempotent by construction).
 */
export interface Executor<Ctx> {
  execute(message: Envelope, run: (ctx: Ctx) => Promise<void>): Promise<'applied' | 'duplicate'>;
  /**
   * Optional: a batch of one partition's messages in one unit of work (one transaction, one
   * inbox insert), in order. All or nothing: if it throws, nothing of it happened and the
   * consumer takes the messages one by one.
   */
  executeBatch?(items: BatchItem<Ctx>[]): Promise<('applied' | 'duplicate')[]>;
}

/** One message of a batch, ready for the executor. */
export interface BatchItem<Ctx> {
  message: Envelope;
  run: (ctx: Ctx) => Promise<void>;
}

export interface ConsumerOptions<Ctx> {
  kafka: Kafka;
  groupId: string;
  logger: Logger;
  handlers: HandlerEntry<Ctx>[];
  executor: Executor<Ctx>;
  /** Producer for dead-letter messages. */
  producer: Producer;
  /** Attempts for a failing handler before the message goes to the DLT. */
  maxAttempts?: number;
  retryBaseMs?: number;
  partitionsConsumedConcurrently?: number;
  /**
   * The consumer fetches at most once per window (ms): what arrives within it is handled
   * together, one unit of work for the whole fetch. The first message after a quiet spell is
   * handled at once (the fetch is a long poll). 0: fetch again as soon as a fetch is handled.
   */
  batchWindowMs?: number;
  fromBeginning?: boolean;
  metrics?: Registry;
  topics?: TopicNamespace;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How often handled offsets are committed (and at a stop and a rebalance). */
const COMMIT_INTERVAL_MS = 500;

type CommitOffsets = EachBatchPayload['commitOffsetsIfNecessary'];

/**
 * Runs a Kafka consumer over a handler table: checks every message's envelope and schema,
 * applies it through the executor, retries retriable failures with backoff, waits out
 * infrastructure outages, and sends what can never succeed to `<topic>.dlt`.
 */
export class MessageConsumer<Ctx> {
  private consumer: Consumer;
  private readonly byType = new Map<string, HandlerEntry<Ctx>>();
  private stopping = false;
  private readonly outcomes?: Counter;
  private readonly redriven?: Counter;
  private readonly progress?: ConsumerProgress;
  /** Set while the consumer is down after a crash that kafkajs does not restart from. */
  private downSince?: number;
  private restartTimer?: NodeJS.Timeout;
  /** The restart in progress: stop() waits for it, so nothing starts after a stop. */
  private restarting?: Promise<void>;
  /**
   * Per `topic|partition`: the next offset to consume, once the ones before it are handled, and
   * the one last committed.
   */
  private readonly handled = new Map<
    string,
    { topic: string; partition: number; offset: string; committed?: string }
  >();
  /** The running consumer group's commit (kafkajs hands it to each batch). */
  private commitVia?: CommitOffsets;
  private commitTimer?: NodeJS.Timeout;
  private committing?: Promise<void>;
  /** The partitions' batches of one fetch, in one unit of work. */
  private readonly together?: Together<BatchItem<Ctx>, 'applied' | 'duplicate'>;
  /** Batches of the current fetch being handled, and when the first of them began. */
  private inFlight = 0;
  private fetchStartedAt = 0;
  /** Batches waiting out the window: a stop ends their wait. */
  private readonly windowWaits = new Set<() => void>();

  constructor(private readonly options: ConsumerOptions<Ctx>) {
    this.consumer = this.createConsumer();
    for (const entry of options.handlers) this.byType.set(entry.contract.type, entry);
    const executeBatch = options.executor.executeBatch?.bind(options.executor);
    // A message alone takes the one-by-one path, whose retries and dead-lettering count each
    // attempt: a unit of work that fails is taken apart and its messages run again alone.
    if (executeBatch)
      this.together = new Together((items) =>
        items.length > 1 ? executeBatch(items) : Promise.resolve(undefined),
      );
    if (options.metrics) {
      this.outcomes = new Counter({
        name: 'messages_consumed_total',
        help: 'Consumed messages by type and outcome',
        labelNames: ['type', 'outcome'],
        registers: [options.metrics],
      });
      this.redriven = new Counter({
        name: 'messages_redriven_total',
        help: 'Messages received again from a dead-letter topic (npm run dlt -- redrive), by topic',
        labelNames: ['topic'],
        registers: [options.metrics],
      });
      this.progress = new ConsumerProgress({
        kafka: options.kafka,
        groupId: options.groupId,
        topics: () => this.topics(),
        metrics: options.metrics,
      });
    }
  }

  private createConsumer(): Consumer {
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      // A fetch is a long poll: the broker answers as soon as a message arrives, so the wait
      // costs no latency. It bounds how often an idle consumer asks, and also how long a stop
      // and a rebalance wait for the fetch in flight (kafkajs heartbeats between fetches): 2 s
      // keeps an idle instance near 0.5 % of a core and a restart quick.
      maxWaitTimeInMs: 2000,
      sessionTimeout: 10_000,
      heartbeatInterval: 2000,
      rebalanceTimeout: 10_000,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: Number.MAX_SAFE_INTEGER },
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.progress?.joined(payload.memberAssignment);
      this.forgetUnassigned(payload.memberAssignment);
    });
    consumer.on(consumer.events.STOP, () => this.progress?.left());
    // The generation that handled these offsets can still commit them while the group prepares
    // the next one: the partitions' next owners then start after them.
    consumer.on(consumer.events.REBALANCING, () => void this.commitHandled());
    // kafkajs restarts itself only when the crash's root cause is retriable; after any other
    // crash it stays down for good while the service keeps answering HTTP as if all were well.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.progress?.left();
      this.commitVia = undefined; // that group is gone; a restart starts from what was committed
      if (payload.restart || this.stopping) return;
      this.downSince ??= Date.now();
      this.options.logger.error(
        { err: payload.error.message, groupId: this.options.groupId },
        'kafka consumer crashed and kafkajs will not restart it; restarting it here',
      );
      this.scheduleRestart(1);
    });
    return consumer;
  }

  /** A fresh kafkajs consumer after a crash, with backoff until one runs. */
  private scheduleRestart(attempt: number): void {
    if (this.stopping || this.restartTimer) return;
    const delay = Math.min(250 * 2 ** (attempt - 1), 10_000);
    this.restartTimer = setTimeout(() => {
      this.restarting = (async () => {
        try {
          await this.consumer.disconnect().catch(() => undefined);
          if (this.stopping) return;
          this.consumer = this.createConsumer();
          await this.start();
          this.restartTimer = undefined;
          if (this.stopping) return; // stop() disconnects it once this is done
          this.downSince = undefined;
          this.options.logger.info({ groupId: this.options.groupId }, 'kafka consumer restarted');
        } catch (err) {
          this.restartTimer = undefined;
          if (this.stopping) return;
          this.options.logger.warn(
            { err: describe(err), attempt },
            'kafka consumer restart failed; trying again',
          );
          this.scheduleRestart(attempt + 1);
        }
      })().finally(() => (this.restarting = undefined));
    }, delay);
  }

  /** False while the consumer is down after a crash (readiness reports it). */
  healthy(): boolean {
    return this.downSince === undefined;
  }

  /** For readiness checks: throws while the consumer is down. */
  readinessCheck = async (): Promise<void> => {
    if (this.downSince !== undefined)
      throw new Error(`kafka consumer down for ${Date.now() - this.downSince} ms, restarting`);
  };

  topics(): string[] {
    const ns = this.options.topics ?? TopicNamespace.none;
    return [...new Set(this.options.handlers.map((h) => ns.name(h.contract.topic)))];
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.subscribe();
    await this.consumer.run({
      // kafkajs commits after every batch when it commits by itself: an OffsetCommit round trip
      // (and a write to __consumer_offsets) per partition per fetch, before the next fetch. The
      // consumer commits what it handled every COMMIT_INTERVAL_MS instead; a crash in between
      // redelivers at most that much, which the inbox absorbs (ADR 0013).
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 32,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.commitTimer ??= setInterval(() => void this.commitHandled(), COMMIT_INTERVAL_MS);
    this.commitTimer.unref();
  }

  private windowEnd(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.windowWaits.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.windowWaits.add(end);
    });
  }

  /**
   * Subscribes to the handlers' topics. A topic created moments ago may not be in every broker's
   * metadata yet (`UNKNOWN_TOPIC_OR_PARTITION`, retriable): asked again for up to ten seconds.
   */
  private async subscribe(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await this.consumer.subscribe({
          topics: this.topics(),
          fromBeginning: this.options.fromBeginning ?? true,
        });
        return;
      } catch (err) {
        const retriable = (err as { retriable?: boolean }).retriable === true;
        if (!retriable || this.stopping || Date.now() > deadline) throw err;
        await sleep(200);
      }
    }
  }

  /** Records that everything up to `offset` of a partition is handled (committed soon). */
  private markHandled(topic: string, partition: number, offset: string): void {
    const key = `${topic}|${partition}`;
    const next = (BigInt(offset) + 1n).toString();
    const entry = this.handled.get(key);
    if (entry) entry.offset = next;
    else this.handled.set(key, { topic, partition, offset: next });
  }

  /**
   * Commits the handled offsets not committed yet. One commit at a time: a later one waits for
   * the one in flight, so the group's offsets only move forward.
   */
  private commitHandled(): Promise<void> {
    const run = async () => {
      const commit = this.commitVia;
      const due = [...this.handled.values()]
        .filter((h) => h.committed !== h.offset)
        .map((h) => ({ entry: h, offset: h.offset }));
      if (!commit || due.length === 0) return;
      const topics = new Map<string, { partition: number; offset: string }[]>();
      for (const { entry, offset } of due)
        (topics.get(entry.topic) ?? topics.set(entry.topic, []).get(entry.topic)!).push({
          partition: entry.partition,
          offset,
        });
      try {
        await commit({
          topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
        });
        for (const { entry, offset } of due) entry.committed = offset;
      } catch (err) {
        // A rebalance or an outage: the next round (or the partition's next owner) catches up.
        this.options.logger.debug({ err: describe(err) }, 'offset commit failed; will retry');
      }
    };
    this.committing = (this.committing ?? Promise.resolve()).then(run);
    return this.committing;
  }

  /** After a rebalance, offsets of partitions now someone else's are not ours to commit. */
  private forgetUnassigned(assignment: Record<string, number[]>): void {
    for (const [key, h] of this.handled)
      if (!assignment[h.topic]?.includes(h.partition)) this.handled.delete(key);
  }

  /** Waits until this consumer has partitions assigned (tests and start-up ordering). */
  waitForAssignment(timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('no partitions assigned in time')),
        timeoutMs,
      );
      const remove = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        clearTimeout(timer);
        remove();
        resolve();
      });
    });
  }

  /**
   * Leaves the group after the message in flight is done; its offset is committed. A restart in
   * progress is waited for first, and its consumer stopped too: nothing runs after this returns.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const end of [...this.windowWaits]) end();
    clearTimeout(this.restartTimer);
    clearInterval(this.commitTimer);
    await this.restarting;
    // What is handled by now is committed now; a batch still in flight commits its own offsets
    // when it is done (handleBatch), before kafkajs leaves the group.
    await this.commitHandled();
    await this.consumer.disconnect();
    await this.progress?.stop();
  }

  /**
   * A fetched batch of one partition: with an executor that can, all of it in one unit of work
   * together with the fetch's other partitions (the common case: one transaction and one inbox
   * insert for many messages); if that fails, or for a message that is malformed, one by one
   * with the usual retries and dead-lettering.
   */
  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    this.commitVia = payload.commitOffsetsIfNecessary;
    const resolveOffset = (offset: string) => {
      payload.resolveOffset(offset);
      this.markHandled(batch.topic, batch.partition, offset);
    };
    if (this.inFlight++ === 0) this.fetchStartedAt = Date.now();
    this.noteRedriven(batch.topic, batch.messages);
    try {
      await this.handleMessages(payload, resolveOffset);
      // kafkajs fetches again once every batch of this fetch is handled: waiting out the window
      // here lets the next fetch bring what arrived meanwhile in one go.
      const rest = this.fetchStartedAt + (this.options.batchWindowMs ?? 0) - Date.now();
      if (rest > 0 && !this.stopping) await this.windowEnd(rest);
    } finally {
      this.inFlight--;
      if (this.stopping) await this.commitHandled();
    }
  }

  /** Messages an operator sent back from a `.dlt` topic (`npm run dlt -- redrive`): logged, counted. */
  private noteRedriven(topic: string, messages: KafkaMessage[]): void {
    for (const message of messages) {
      const from = message.headers?.[REDRIVE_HEADER.from];
      if (from === undefined) continue;
      this.redriven?.inc({ topic });
      this.options.logger.info(
        { topic, offset: message.offset, redrivenFrom: String(from) },
        'redriven message received',
      );
    }
  }

  private async handleMessages(
    payload: EachBatchPayload,
    resolveOffset: (offset: string) => void,
  ): Promise<void> {
    const { batch, heartbeat, isRunning, isStale } = payload;
    const one = (message: KafkaMessage) =>
      this.handle({
        topic: batch.topic,
        partition: batch.partition,
        message,
        heartbeat,
        pause: payload.pause,
      });
    const together = this.together;
    if (together) {
      const decoded = batch.messages.map((message) => ({ ...this.decode(message), message }));
      if (decoded.every((d) => d.status !== 'invalid')) {
        const items = decoded.filter((d) => d.status === 'ok');
        try {
          const outcomes = await together.add(
            items.map(({ typed, entry, context, message }) => ({
              message: typed!,
              run: (ctx: Ctx) =>
                this.traced(batch.topic, batch.partition, message, typed!, (traceparent) =>
                  runWithContext({ ...context, traceparent }, () => entry!.handle(typed!, ctx)),
                ),
            })),
          );
          if (outcomes) {
            items.forEach((item, i) =>
              this.outcomes?.inc({ type: item.typed!.type, outcome: outcomes[i]! }),
            );
            for (const d of decoded)
              if (d.status === 'ignored')
                this.outcomes?.inc({ type: d.typed!.type, outcome: 'ignored' });
            resolveOffset(batch.lastOffset());
            this.progress?.advanced(batch.topic, batch.partition);
            await heartbeat();
            return;
          }
        } catch (err) {
          this.options.logger.debug(
            { err, topic: batch.topic, messages: items.length },
            'batch failed as a whole; taking its messages one by one',
          );
        }
      }
    }
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) return;
      await one(message);
      resolveOffset(message.offset);
      this.progress?.advanced(batch.topic, batch.partition);
      await heartbeat();
    }
  }

  /**
   * A message's envelope, checked against its contract, with its handler; `ignored` for another
   * consumer's type on a shared topic, `invalid` for what only the one-by-one path can refuse.
   */
  private decode(message: KafkaMessage): {
    status: 'ok' | 'ignored' | 'invalid';
    typed?: Envelope;
    entry?: HandlerEntry<Ctx>;
    context?: Parameters<typeof runWithContext>[0];
  } {
    try {
      const envelope = EnvelopeSchema.parse(
        JSON.parse(message.value?.toString('utf8') ?? ''),
      ) as Envelope;
      const entry = this.byType.get(envelope.type);
      if (!entry) return { status: 'ignored', typed: envelope };
      const parsed = entry.contract.schema.safeParse(envelope.data);
      if (!parsed.success) return { status: 'invalid' };
      return {
        status: 'ok',
        typed: { ...envelope, data: parsed.data },
        entry,
        context: { correlationId: envelope.correlationId, causationId: envelope.id },
      };
    } catch {
      return { status: 'invalid' };
    }
  }

  private async handle({
    topic,
    partition,
    message,
    heartbeat,
  }: EachMessagePayload): Promise<void> {
    const { logger, groupId, producer } = this.options;
    const dlt = async (reason: DltReason, error: string, type = 'unknown') => {
      markActiveSpanFailed(new Error(`${reason}: ${error}`));
      logger.warn(
        { topic, partition, offset: message.offset, reason, error },
        'message sent to DLT',
      );
      this.outcomes?.inc({ type, outcome: 'dead-lettered' });
      await sendToDlt(producer, { topic, partition, message, groupId }, reason, error);
    };

    let envelope: Envelope;
    try {
      envelope = EnvelopeSchema.parse(
        JSON.parse(message.value?.toString('utf8') ?? ''),
      ) as Envelope;
    } catch (e) {
      return dlt('MALFORMED_ENVELOPE', (e as Error).message);
    }
    const entry = this.byType.get(envelope.type);
    if (!entry) {
      this.outcomes?.inc({ type: envelope.type, outcome: 'ignored' });
      return; // another consumer's business on a shared topic
    }
    const parsed = entry.contract.schema.safeParse(envelope.data);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return dlt('SCHEMA_VIOLATION', why, envelope.type);
    }
    const typed: Envelope = { ...envelope, data: parsed.data };
    return this.traced(topic, partition, message, typed, (traceparent) =>
      this.apply(typed, entry, dlt, heartbeat, {
        correlationId: envelope.correlationId,
        causationId: envelope.id,
        traceparent,
      }),
    );
  }

  /**
   * A consumed message's span (ADR 0011): a child of the span that committed the message (its
   * `traceparent` header), active while the handler runs, so its database and Redis calls and
   * the messages it writes belong to the same trace.
   */
  private traced<T>(
    topic: string,
    partition: number,
    message: KafkaMessage,
    envelope: Envelope,
    work: (traceparent: string) => Promise<T>,
  ): Promise<T> {
    const parent = message.headers?.[HEADER.traceparent];
    return inSpan(
      `process ${envelope.type}`,
      {
        kind: SpanKind.CONSUMER,
        parent: parent ? parent.toString() : undefined,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': topic,
          'messaging.destination.partition.id': String(partition),
          'messaging.consumer.group.name': this.options.groupId,
          'messaging.kafka.offset': Number(message.offset),
          'messaging.message.id': envelope.id,
          'messaging.message.conversation_id': envelope.correlationId,
          'ticketing.message.type': envelope.type,
        },
      },
      work,
    );
  }

  private async apply(
    envelope: Envelope,
    entry: HandlerEntry<Ctx>,
    dlt: (reason: DltReason, error: string, type?: string) => Promise<void>,
    heartbeat: () => Promise<void>,
    context: { correlationId: string; causationId: string; traceparent: string },
  ): Promise<void> {
    const { logger } = this.options;

    const maxAttempts = this.options.maxAttempts ?? 5;
    const base = this.options.retryBaseMs ?? 100;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await runWithContext(context, () =>
          this.options.executor.execute(envelope, (ctx) => entry.handle(envelope, ctx)),
        );
        this.outcomes?.inc({ type: envelope.type, outcome });
        if (outcome === 'duplicate')
          logger.debug({ messageId: envelope.id, type: envelope.type }, 'duplicate skipped');
        return;
      } catch (err) {
        if (isAppError(err) && !err.retriable) {
          return dlt('HANDLER_REJECTED', `${err.code}: ${err.message}`, envelope.type);
        }
        if (this.stopping) throw err; // leave it uncommitted for the next owner of the partition
        // An outage of our own database or broker is not the message's fault: wait it out.
        const outage = !isAppError(err) && isTransientInfraError(err);
        if (!outage && attempt >= maxAttempts) {
          return dlt('RETRIES_EXHAUSTED', describe(err), envelope.type);
        }
        const delay = Math.min(base * 2 ** Math.min(attempt - 1, 10), 5000);
        logger.warn(
          { err, type: envelope.type, messageId: envelope.id, attempt, delay },
          'handler failed; retrying',
        );
        await sleep(delay);
        await heartbeat().catch(() => undefined);
      }
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof AppError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
