import type { Logger } from '@ticketing/platform';
import type { Producer, ProducerBatch, ProducerRecord, RecordMetadata } from 'kafkajs';

/**
 * Kafka's answers that leave an idempotent producer unusable: its producer id or epoch is gone
 * or fenced, or its sequence numbers no longer match the broker's. kafkajs raises them as
 * non-retriable; every later send of that producer fails the same way.
 */
const PRODUCER_STATE_LOST = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'PRODUCER_FENCED',
]);

/** Whether a failed send says the producer itself, not the broker, is broken. */
export function producerUnusable(err: unknown): boolean {
  for (let e = err as { message?: string; type?: string; cause?: unknown } | undefined; e;) {
    if (e.type && PRODUCER_STATE_LOST.has(e.type)) return true;
    if (/^The producer is disconnect(ed|ing)/.test(e.message ?? '')) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * A kafkajs producer that replaces itself when it can no longer be used (issue: "a broken
 * idempotent producer is never replaced"): the broken one is disconnected, a new one (a new
 * producer id) connected, and the send tried once more on it. Nothing is lost by the change:
 * what the old one may have written is written again (the outbox and the consumers' inboxes
 * are at-least-once by design). A broker outage is not a broken producer: kafkajs retries that.
 */
export class SelfHealingProducer {
  private inner: Producer;
  private connected = false;
  private closed = false;
  private replacing?: Promise<void>;
  /** How many times it replaced itself (a metric, and tests). */
  replacements = 0;

  constructor(
    private readonly create: () => Producer,
    private readonly logger?: Logger,
  ) {
    this.inner = create();
  }

  /** The kafkajs producer in use now. */
  get current(): Producer {
    return this.inner;
  }

  async connect(): Promise<void> {
    this.closed = false;
    await this.inner.connect();
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    this.closed = true;
    await this.replacing;
    await this.inner.disconnect();
    this.connected = false;
  }

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.guarded((p) => p.send(record));
  }

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return this.guarded((p) => p.sendBatch(batch));
  }

  private async guarded<T>(send: (producer: Producer) => Promise<T>): Promise<T> {
    await this.replacing;
    if (!this.connected && !this.closed) await this.replace('not connected');
    try {
      return await send(this.inner);
    } catch (err) {
      if (this.closed || !producerUnusable(err)) throw err;
      await this.replace((err as Error).message);
      return send(this.inner);
    }
  }

  private replace(reason: string): Promise<void> {
    this.replacing ??= (async () => {
      const broken = this.inner;
      this.logger?.warn({ reason }, 'kafka producer unusable; replacing it');
      this.inner = this.create();
      this.connected = false;
      this.replacements += 1;
      await broken.disconnect().catch(() => undefined);
      try {
        await this.inner.connect();
        this.connected = true;
      } catch (err) {
        // The broker is away: the next send connects (or kafkajs's retries report it).
        this.logger?.warn({ err: (err as Error).message }, 'new kafka producer not connected yet');
      }
    })().finally(() => (this.replacing = undefined));
    return this.replacing;
  }
}
