import { runWithContext, type Logger } from '@ticketing/platform';
import type { Registry } from 'prom-client';
import type {
  ConsumerGroupMember,
  CreateGroupMember,
  FetchedBatch,
  GroupEvents,
  KafkaClient,
  KafkaMessage,
  Publisher,
} from '../broker';
import { TopicNamespace } from '../namespace';
import { BatchWindow } from './batch-window';
import { ConsumerMetrics } from './consumer-metrics';
import { decode, type Decoded } from './decode';
import { DeliveryPolicy, describe } from './delivery-policy';
import {
  contextOf,
  type BatchItem,
  type HandlerEntry,
  type Outcome,
  type StatementContext,
  type UnitOfWork,
} from './handlers';
import { ConsumerLagMetrics } from './lag-metrics';
import { MicroBatcher } from './micro-batcher';
import { OffsetTracker } from './offset-tracker';
import { inProcessSpan, type Place } from './process-span';
import { SingleMessageDelivery } from './single-message';
import { RestartSupervisor } from './restart-supervisor';

export interface ConsumerOptions<Ctx> {
  kafka: KafkaClient;
  groupId: string;
  logger: Logger;
  handlers: HandlerEntry<Ctx>[];
  unitOfWork: UnitOfWork<Ctx>;
  /** Producer for dead-letter messages. */
  producer: Publisher;
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
  /**
   * Longest a fetch waits at the broker (default 2 s): also how long a stop may wait. Given to
   * the client's own member; a `member` passed in brings its own.
   */
  maxWaitMs?: number;
  fromBeginning?: boolean;
  metrics?: Registry;
  topics?: TopicNamespace;
  /** The group member to run (default: the client's, `kafka.groupMember`). */
  member?: CreateGroupMember;
  /**
   * How long the consumer may be out of its group (since it started, or since it left it)
   * before readiness fails (default `JOIN_DEADLINE_MS`).
   */
  joinDeadlineMs?: number;
}

/** How often handled offsets are committed (and at a stop and a rebalance). */
const COMMIT_INTERVAL_MS = 500;
/**
 * How long a consumer may take to join its group before readiness says it has not: longer than
 * a rebalance that waits out a dead member's 10 s session, and the retries of a join. A join
 * stuck on a retriable error is no crash (kafkajs retries it for ever), so nothing else would
 * say that no consumer runs.
 */
export const JOIN_DEADLINE_MS = 30_000;

/**
 * Runs a Kafka consumer over a handler table. It coordinates; each job is its own part: the
 * client's group member (`KafkaClient.groupMember`), `decode` (envelope and contract), the
 * `UnitOfWork` (inbox and outbox), `SingleMessageDelivery` (a message alone: retries and dead
 * letters as the `DeliveryPolicy` says), the `OffsetTracker` (commits), the `RestartSupervisor`
 * (crashes), the `BatchWindow` and the `MicroBatcher` (one unit of work per fetch), spans,
 * metrics and lag (`ConsumerLagMetrics`).
 */
export class MessageConsumer<Ctx> {
  private member: ConsumerGroupMember;
  private readonly handlers = new Map<string, HandlerEntry<Ctx>>();
  private readonly policy: DeliveryPolicy;
  private readonly offsets: OffsetTracker;
  private readonly restarts: RestartSupervisor;
  private readonly window: BatchWindow;
  private readonly metrics: ConsumerMetrics;
  private readonly lagMetrics?: ConsumerLagMetrics;
  /** The partitions' batches of one fetch, in one unit of work. */
  private readonly batcher?: MicroBatcher<BatchItem<Ctx>, Outcome>;
  private readonly singleMessage: SingleMessageDelivery<Ctx>;
  private readonly assignmentWaits = new Set<() => void>();
  private commitTimer?: NodeJS.Timeout;
  private stopping = false;
  /** Since when it has been out of its group (started and not joined yet, or left it). */
  private outOfGroupSince?: number;

  constructor(private readonly options: ConsumerOptions<Ctx>) {
    const { logger, groupId } = options;
    for (const entry of options.handlers) this.handlers.set(entry.contract.type, entry);
    this.policy = new DeliveryPolicy(options);
    this.offsets = new OffsetTracker((err) =>
      // A rebalance or an outage: the next round (or the partition's next owner) catches up.
      logger.debug({ err: describe(err) }, 'offset commit failed; will retry'),
    );
    this.restarts = new RestartSupervisor({
      logger,
      subject: { groupId },
      restart: () => this.restart(),
    });
    this.window = new BatchWindow(options.batchWindowMs ?? 0);
    this.metrics = new ConsumerMetrics(logger, options.metrics);
    if (options.metrics)
      this.lagMetrics = new ConsumerLagMetrics({
        kafka: options.kafka,
        groupId,
        topics: () => this.topics(),
        metrics: options.metrics,
      });
    const executeBatch = options.unitOfWork.executeBatch?.bind(options.unitOfWork);
    // A message alone takes the single-message path, whose retries and dead-lettering count
    // each attempt: a unit of work that fails is taken apart and its messages run again alone.
    if (executeBatch)
      this.batcher = new MicroBatcher((items) =>
        items.length > 1 ? executeBatch(items) : Promise.resolve(undefined),
      );
    this.singleMessage = new SingleMessageDelivery({
      ...options,
      policy: this.policy,
      metrics: this.metrics,
      stopping: () => this.stopping,
    });
    this.member = this.createMember();
  }

  private createMember(): ConsumerGroupMember {
    const create =
      this.options.member ??
      ((groupId: string, events: GroupEvents) =>
        this.options.kafka.groupMember(groupId, events, { maxWaitMs: this.options.maxWaitMs }));
    return create(this.options.groupId, {
      assigned: (assignment) => {
        this.outOfGroupSince = undefined;
        this.lagMetrics?.joined(assignment);
        this.offsets.keepOnly(assignment);
        for (const done of [...this.assignmentWaits]) done();
      },
      left: () => {
        if (!this.stopping) this.outOfGroupSince ??= Date.now();
        this.lagMetrics?.left();
      },
      // The generation that handled these offsets can still commit them while the group
      // prepares the next one: the partitions' next owners then start after them.
      rebalancing: () => void this.offsets.commit(),
      crashed: (error, willRestart) => {
        this.offsets.commitThrough(undefined); // a restart starts from what was committed
        if (!willRestart && !this.stopping) this.restarts.crashed(error);
      },
    });
  }

  /** A fresh member after a crash: the old one torn down first. */
  private async restart(): Promise<void> {
    await this.member.stop().catch(() => undefined);
    if (this.stopping) return;
    this.member = this.createMember();
    await this.run();
  }

  /** False while the consumer is down after a crash, or out of its group too long. */
  healthy(): boolean {
    return this.unhealthy() === undefined;
  }

  /** For readiness checks: throws, saying why and for how long, while it is not healthy. */
  readinessCheck = async (): Promise<void> => {
    const problem = this.unhealthy();
    if (problem) throw new Error(problem);
  };

  private unhealthy(): string | undefined {
    const down = this.restarts.downForMs();
    if (down !== undefined) return `kafka consumer down for ${down} ms, restarting`;
    if (this.outOfGroupSince === undefined) return undefined;
    const out = Date.now() - this.outOfGroupSince;
    if (out > (this.options.joinDeadlineMs ?? JOIN_DEADLINE_MS))
      return `kafka consumer out of its group for ${out} ms, joining`;
    return undefined;
  }

  topics(): string[] {
    const ns = this.options.topics ?? TopicNamespace.none;
    return [...new Set(this.options.handlers.map((h) => ns.name(h.contract.topic)))];
  }

  /**
   * Joins the group and consumes. `joined: false` returns at once and joins meanwhile: a
   * service's HTTP does not wait for a rebalance (after a crash the group waits out the dead
   * members' sessions before it lets a new member in); a failure to start is then a crash the
   * supervisor restarts from, reported by readiness like any other, and a join that does not
   * succeed in `joinDeadlineMs` (one its client keeps retrying) is reported too.
   */
  async start(options: { joined?: boolean } = {}): Promise<void> {
    this.outOfGroupSince ??= Date.now();
    this.commitTimer ??= setInterval(() => void this.offsets.commit(), COMMIT_INTERVAL_MS);
    this.commitTimer.unref();
    const running = this.run();
    if (options.joined !== false) return running;
    running.catch((err: unknown) => {
      if (!this.stopping)
        this.restarts.crashed(err instanceof Error ? err : new Error(String(err)));
    });
  }

  private run(): Promise<void> {
    return this.member.run({
      topics: this.topics(),
      fromBeginning: this.options.fromBeginning ?? true,
      concurrency: this.options.partitionsConsumedConcurrently ?? 32,
      eachBatch: (batch) => this.handleBatch(batch),
    });
  }

  /** Waits until this consumer has partitions assigned (tests and start-up ordering). */
  waitForAssignment(timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.assignmentWaits.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.assignmentWaits.delete(done);
        reject(new Error('no partitions assigned in time'));
      }, timeoutMs);
      this.assignmentWaits.add(done);
    });
  }

  /**
   * Leaves the group after the message in flight is done; its offset is committed. A restart in
   * progress is waited for first, and its member stopped too: nothing runs after this returns.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.window.close();
    clearInterval(this.commitTimer);
    await this.restarts.stop();
    // What is handled by now is committed now; a batch still in flight commits its own offsets
    // when it is done (handleBatch), before the member leaves the group.
    await this.offsets.commit();
    await this.member.stop();
    await this.lagMetrics?.stop();
  }

  /**
   * A fetched batch of one partition: with a unit of work that takes batches, all of it in one
   * call together with the fetch's other partitions (the common case: one transaction and one
   * inbox insert for many messages); if that fails, or a message is invalid, message by message
   * with the usual retries and dead-lettering.
   */
  private async handleBatch(batch: FetchedBatch): Promise<void> {
    this.offsets.commitThrough(batch.commit);
    this.window.enter(batch.messages.length);
    this.metrics.noteRedriven(batch.topic, batch.messages);
    try {
      const place = {
        groupId: this.options.groupId,
        topic: batch.topic,
        partition: batch.partition,
      };
      const decoded = batch.messages.map((message) => ({
        message,
        decoded: decode(message.value, this.handlers),
      }));
      if (!(await this.handleTogether(place, batch, decoded)))
        for (const { message, decoded: d } of decoded) {
          if (!batch.stillOurs()) return;
          await this.singleMessage.deliver(place, message, d, batch.heartbeat);
          this.handled(batch, message.offset);
          await batch.heartbeat();
        }
      await this.window.waitOut();
    } finally {
      this.window.exit();
      if (this.stopping) await this.offsets.commit();
    }
  }

  private handled(batch: FetchedBatch, offset: string): void {
    batch.resolveOffset(offset);
    this.offsets.handledUpTo(batch.topic, batch.partition, offset);
    this.lagMetrics?.advanced(batch.topic, batch.partition);
  }

  /** The whole batch in the fetch's unit of work; false when it has to go one by one. */
  private async handleTogether(
    place: Place,
    batch: FetchedBatch,
    decoded: { message: KafkaMessage; decoded: Decoded<Ctx> }[],
  ): Promise<boolean> {
    if (!this.batcher || decoded.some(({ decoded: d }) => d.status === 'invalid')) return false;
    const items = decoded.flatMap(({ message, decoded: d }) =>
      d.status === 'ok' ? [{ message, envelope: d.envelope, entry: d.entry }] : [],
    );
    try {
      const outcomes = await this.batcher.add(
        items.map(({ message, envelope, entry }) => {
          // Either path runs in the message's span and conversation.
          const inMessage = <T>(work: () => Promise<T>) =>
            inProcessSpan(place, message, envelope, (traceparent) =>
              runWithContext(contextOf(envelope, traceparent), work),
            );
          const { handle, alone } = entry;
          return {
            message: envelope,
            run: (ctx: Ctx) => inMessage(() => handle(envelope, ctx)),
            ...(alone && {
              alone: (ctx: StatementContext) => inMessage(() => alone(envelope, ctx)),
            }),
          };
        }),
      );
      if (!outcomes) return false;
      items.forEach(({ envelope }, i) => this.metrics.outcome(envelope.type, outcomes[i]!));
      for (const { decoded: d } of decoded)
        if (d.status === 'ignored') this.metrics.outcome(d.envelope.type, 'ignored');
      this.handled(batch, batch.lastOffset());
      await batch.heartbeat();
      return true;
    } catch (err) {
      this.options.logger.debug(
        { err, topic: batch.topic, messages: items.length },
        'batch failed as a whole; taking its messages one by one',
      );
      return false;
    }
  }
}
