import { setTimeout as sleep } from 'node:timers/promises';
import { markActiveSpanFailed, runWithContext, type Logger } from '@ticketing/platform';
import type { KafkaMessage, Publisher } from '../broker';
import { sendToDlt, type DltReason } from '../dlt';
import type { Envelope } from '../envelope';
import type { ConsumerMetrics } from './consumer-metrics';
import type { Decoded } from './decode';
import type { DeliveryPolicy } from './delivery-policy';
import { contextOf, type HandlerEntry, type UnitOfWork } from './handlers';
import { inProcessSpan, type Place } from './process-span';

export interface SingleMessageParts<Ctx> {
  unitOfWork: UnitOfWork<Ctx>;
  policy: DeliveryPolicy;
  metrics: ConsumerMetrics;
  logger: Logger;
  /** Producer for dead letters. */
  producer: Publisher;
  stopping(): boolean;
}

/**
 * One message in its own unit of work, retried and dead-lettered as the delivery policy says:
 * the path of a message alone, of an invalid one, and of a batch that failed as a whole.
 */
export class SingleMessageDelivery<Ctx> {
  constructor(private readonly parts: SingleMessageParts<Ctx>) {}

  async deliver(
    place: Place,
    message: KafkaMessage,
    decoded: Decoded<Ctx>,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    if (decoded.status === 'ignored') {
      this.parts.metrics.outcome(decoded.envelope.type, 'ignored');
      return; // another consumer's business on a shared topic
    }
    if (decoded.status === 'invalid')
      return this.deadLetter(place, message, decoded.reason, decoded.error, decoded.type);
    const { envelope, entry } = decoded;
    return inProcessSpan(place, message, envelope, (traceparent) =>
      this.applyWithRetries(place, message, { envelope, entry, traceparent }, heartbeat),
    );
  }

  private async applyWithRetries(
    place: Place,
    message: KafkaMessage,
    {
      envelope,
      entry,
      traceparent,
    }: { envelope: Envelope; entry: HandlerEntry<Ctx>; traceparent: string },
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const { unitOfWork, policy, metrics, logger } = this.parts;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await runWithContext(contextOf(envelope, traceparent), () =>
          unitOfWork.execute(
            envelope,
            (ctx) => entry.handle(envelope, ctx),
            entry.alone && ((ctx) => entry.alone!(envelope, ctx)),
          ),
        );
        metrics.outcome(envelope.type, outcome);
        if (outcome === 'duplicate')
          logger.debug({ messageId: envelope.id, type: envelope.type }, 'duplicate skipped');
        return;
      } catch (err) {
        const next = policy.afterFailure(err, attempt, this.parts.stopping());
        if (next.action === 'leave') throw err; // uncommitted, for the partition's next owner
        if (next.action === 'dead-letter')
          return this.deadLetter(place, message, next.reason, next.error, envelope.type);
        logger.warn(
          { err, type: envelope.type, messageId: envelope.id, attempt, delay: next.delayMs },
          'handler failed; retrying',
        );
        await sleep(next.delayMs);
        await heartbeat().catch(() => undefined);
      }
    }
  }

  private async deadLetter(
    { groupId, topic, partition }: Place,
    message: KafkaMessage,
    reason: DltReason,
    error: string,
    type = 'unknown',
  ): Promise<void> {
    markActiveSpanFailed(new Error(`${reason}: ${error}`));
    this.parts.logger.warn(
      { topic, partition, offset: message.offset, reason, error },
      'message sent to DLT',
    );
    this.parts.metrics.outcome(type, 'dead-lettered');
    await sendToDlt(this.parts.producer, { topic, partition, message, groupId }, reason, error);
  }
}
