import type { ConsumerGroupMember, GroupEvents } from '../broker';
import { TopicNamespace } from '../namespace';
import { BatchDelivery } from './batch-delivery';
import { BatchWindow } from './batch-window';
import { ConsumerMetrics } from './consumer-metrics';
import { JOIN_DEADLINE_MS, type ConsumerOptions } from './consumer-options';
import { DeliveryPolicy, describe } from './delivery-policy';
import { ConsumerLagMetrics } from './lag-metrics';
import { OffsetTracker } from './offset-tracker';
import { RestartSupervisor } from './restart-supervisor';

/** How often handled offsets are committed (and at a stop and a rebalance). */
const COMMIT_INTERVAL_MS = 500;

/**
 * Runs a Kafka consumer over a handler table. It coordinates; each job is its own part: the
 * client's group member (`KafkaClient.groupMember`), the `BatchDelivery` of what it fetches
 * (`decode`: envelope and contract; the `UnitOfWork`: inbox and outbox; `SingleMessageDelivery`:
 * a message alone, retries and dead letters as the `DeliveryPolicy` says; the `MicroBatcher`:
 * one unit of work per fetch), the `OffsetTracker` (commits), the `RestartSupervisor` (crashes),
 * the `BatchWindow` (one fetch per window), spans, metrics and lag (`ConsumerLagMetrics`).
 */
export class MessageConsumer<Ctx> {
  private member: ConsumerGroupMember;
  private readonly policy: DeliveryPolicy;
  private readonly offsets: OffsetTracker;
  private readonly restarts: RestartSupervisor;
  private readonly window: BatchWindow;
  private readonly metrics: ConsumerMetrics;
  private readonly lagMetrics?: ConsumerLagMetrics;
  private readonly batches: BatchDelivery<Ctx>;
  private readonly assignmentWaits = new Set<() => void>();
  private commitTimer?: NodeJS.Timeout;
  private stopping = false;
  /** Since when it has been out of its group (started and not joined yet, or left it). */
  private outOfGroupSince?: number;

  constructor(private readonly options: ConsumerOptions<Ctx>) {
    const { logger, groupId } = options;
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
    this.batches = new BatchDelivery({
      options,
      policy: this.policy,
      offsets: this.offsets,
      window: this.window,
      metrics: this.metrics,
      lagMetrics: this.lagMetrics,
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
      eachBatch: (batch) => this.batches.handle(batch),
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
    // when it is done (BatchDelivery), before the member leaves the group.
    await this.offsets.commit();
    await this.member.stop();
    await this.lagMetrics?.stop();
  }
}
