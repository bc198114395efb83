import { runWithContext } from '@ticketing/platform';
import type { FetchedBatch, KafkaMessage } from '../broker';
import type { BatchWindow } from './batch-window';
import type { ConsumerMetrics } from './consumer-metrics';
import type { ConsumerOptions } from './consumer-options';
import { decode, type Decoded } from './decode';
import type { DeliveryPolicy } from './delivery-policy';
import {
  contextOf,
  type BatchItem,
  type HandlerEntry,
  type Outcome,
  type StatementContext,
} from './handlers';
import type { ConsumerLagMetrics } from './lag-metrics';
import { MicroBatcher } from './micro-batcher';
import type { OffsetTracker } from './offset-tracker';
import { inProcessSpan, type Place } from './process-span';
import { SingleMessageDelivery } from './single-message';

/** What a consumer hands the delivery of its batches: its options and its shared parts. */
export interface BatchDeliveryParts<Ctx> {
  options: ConsumerOptions<Ctx>;
  policy: DeliveryPolicy;
  offsets: OffsetTracker;
  window: BatchWindow;
  metrics: ConsumerMetrics;
  lagMetrics: ConsumerLagMetrics | undefined;
  stopping(): boolean;
}

/**
 * The batches a consumer's group member fetches, handled: a fetch's partitions together in one
 * unit of work (the `MicroBatcher`) when the unit of work takes batches, else, or when that
 * fails, message by message (`SingleMessageDelivery`); each handled offset marked for commit.
 */
export class BatchDelivery<Ctx> {
  private readonly handlers = new Map<string, HandlerEntry<Ctx>>();
  /** The partitions' batches of one fetch, in one unit of work. */
  private readonly batcher?: MicroBatcher<BatchItem<Ctx>, Outcome>;
  private readonly singleMessage: SingleMessageDelivery<Ctx>;

  constructor(private readonly parts: BatchDeliveryParts<Ctx>) {
    const { options } = parts;
    for (const entry of options.handlers) this.handlers.set(entry.contract.type, entry);
    const executeBatch = options.unitOfWork.executeBatch?.bind(options.unitOfWork);
    // A message alone takes the single-message path, whose retries and dead-lettering count
    // each attempt: a unit of work that fails is taken apart and its messages run again alone.
    if (executeBatch)
      this.batcher = new MicroBatcher((items) =>
        items.length > 1 ? executeBatch(items) : Promise.resolve(undefined),
      );
    this.singleMessage = new SingleMessageDelivery({
      ...options,
      policy: parts.policy,
      metrics: parts.metrics,
      stopping: parts.stopping,
    });
  }

  /**
   * A fetched batch of one partition: with a unit of work that takes batches, all of it in one
   * call together with the fetch's other partitions (the common case: one transaction and one
   * inbox insert for many messages); if that fails, or a message is invalid, message by message
   * with the usual retries and dead-lettering.
   */
  async handle(batch: FetchedBatch): Promise<void> {
    this.parts.offsets.commitThrough(batch.commit);
    this.parts.window.enter(batch.messages.length);
    this.parts.metrics.noteRedriven(batch.topic, batch.messages);
    try {
      const place = {
        groupId: this.parts.options.groupId,
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
      await this.parts.window.waitOut();
    } finally {
      this.parts.window.exit();
      if (this.parts.stopping()) await this.parts.offsets.commit();
    }
  }

  private handled(batch: FetchedBatch, offset: string): void {
    batch.resolveOffset(offset);
    this.parts.offsets.handledUpTo(batch.topic, batch.partition, offset);
    this.parts.lagMetrics?.advanced(batch.topic, batch.partition);
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
      items.forEach(({ envelope }, i) => this.parts.metrics.outcome(envelope.type, outcomes[i]!));
      for (const { decoded: d } of decoded)
        if (d.status === 'ignored') this.parts.metrics.outcome(d.envelope.type, 'ignored');
      this.handled(batch, batch.lastOffset());
      await batch.heartbeat();
      return true;
    } catch (err) {
      this.parts.options.logger.debug(
        { err, topic: batch.topic, messages: items.length },
        'batch failed as a whole; taking its messages one by one',
      );
      return false;
    }
  }
}
