import type { Logger } from '@ticketing/platform';
import type { Publisher, TopicRecords, WrittenPartition } from './broker';

/**
 * A publisher that replaces its producer when the producer can no longer be used (issue: "a
 * broken idempotent producer is never replaced"): the broken one is disconnected, a new one (a
 * new producer id) connected, and the send tried once more on it. Nothing is lost by the change:
 * what the old one may have written is written again (the outbox and the consumers' inboxes are
 * at-least-once by design). A broker outage is not a broken producer: the client retries that.
 * Which failures mean "unusable" is the client's to say (`unusable`, from its adapter).
 */
export class SelfHealingPublisher implements Publisher {
  private inner: Publisher;
  private connected = false;
  private closed = false;
  private replacing?: Promise<void>;
  /** How many times it replaced itself (a metric, and tests). */
  replacements = 0;

  constructor(
    private readonly create: () => Publisher,
    private readonly unusable: (err: unknown) => boolean,
    private readonly logger?: Logger,
  ) {
    this.inner = create();
  }

  /** The producer in use now. */
  get current(): Publisher {
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

  send(records: TopicRecords): Promise<WrittenPartition[]> {
    return this.guarded((p) => p.send(records));
  }

  sendBatch(batch: { topicMessages: TopicRecords[] }): Promise<WrittenPartition[]> {
    return this.guarded((p) => p.sendBatch(batch));
  }

  private async guarded<T>(send: (producer: Publisher) => Promise<T>): Promise<T> {
    await this.replacing;
    if (!this.connected && !this.closed) await this.replace('not connected');
    try {
      return await send(this.inner);
    } catch (err) {
      if (this.closed || !this.unusable(err)) throw err;
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
        // The broker is away: the next send connects (or the client's retries report it).
        this.logger?.warn({ err: (err as Error).message }, 'new kafka producer not connected yet');
      }
    })().finally(() => (this.replacing = undefined));
    return this.replacing;
  }
}
