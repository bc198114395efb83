import type { KafkaJS, RdKafka } from '@confluentinc/kafka-javascript';
import { call, connecting } from './errors';
import type { LibrdkafkaLog } from './logging';

/** librdkafka's own consumer under a KafkaJS-compatible one: its offsets as numbers. */
interface WithInternalConsumer {
  _getInternalClient(): RdKafka.KafkaConsumer;
}

/** librdkafka's offset for "nothing committed" (RD_KAFKA_OFFSET_INVALID). */
const NONE = -1001;

/**
 * A group's committed offsets, read as librdkafka's consumers read their own (OffsetFetch from
 * the group's coordinator), by a consumer of that group that never subscribes, so never joins.
 *
 * Not the admin client's ListConsumerGroupOffsets: librdkafka's admin requests sent through a
 * coordinator abort the process when one fails at the wrong moment (2.15.1:
 * `rd_kafka_enq_once_del_source_return: Assertion eonce->refcnt > 0`, or a segfault; librdkafka
 * issue 4605, open) — met here right after a killed broker came back, by a lag reading, which
 * every service makes every few seconds.
 */
export class CommittedOffsets {
  private readonly readers = new Map<string, Promise<KafkaJS.Consumer>>();

  constructor(
    private readonly kafka: KafkaJS.Kafka,
    private readonly log: LibrdkafkaLog,
    private readonly timeoutMs: number,
  ) {}

  /** Each partition's committed offset, '-1' where the group committed none. */
  async of(
    groupId: string,
    partitions: { topic: string; partition: number }[],
  ): Promise<{ topic: string; partition: number; offset: string }[]> {
    const reader = await this.readerOf(groupId);
    const consumer = (reader as unknown as WithInternalConsumer)._getInternalClient();
    const offsets = await call(
      () =>
        new Promise<RdKafka.TopicPartitionOffsetAndMetadata[]>((resolve, reject) =>
          consumer.committed(partitions, this.timeoutMs, (err, committed) =>
            err ? reject(err) : resolve(committed),
          ),
        ),
    );
    return offsets.map(({ topic, partition, offset }) => ({
      topic,
      partition,
      offset: offset === NONE || offset === undefined ? '-1' : String(offset),
    }));
  }

  async close(): Promise<void> {
    const readers = [...this.readers.values()];
    this.readers.clear();
    for (const reader of readers) await reader.then((r) => r.disconnect()).catch(() => undefined);
  }

  private readerOf(groupId: string): Promise<KafkaJS.Consumer> {
    let reader = this.readers.get(groupId);
    if (!reader) {
      reader = (async () => {
        const consumer = this.kafka.consumer({ kafkaJS: { groupId, autoCommit: false } });
        await connecting(() => consumer.connect(), this.log);
        return consumer;
      })();
      this.readers.set(groupId, reader);
      // A reader that could not connect is made again next time.
      reader.catch(() => this.readers.delete(groupId));
    }
    return reader;
  }
}
