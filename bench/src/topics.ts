import { ALL_TOPICS } from '@ticketing/contracts';
import { TopicNamespace } from '@ticketing/messaging';
import { createKafka, ensureTopics } from '@ticketing/messaging/wiring';
import { kafkaClientFrom } from '@ticketing/platform';
import { createLogger } from '@ticketing/platform/wiring';

/**
 * Every topic of the system under a namespace of one benchmark run's own, so its services
 * never read or pollute the dev broker's history; `remove()` deletes them afterwards (leftover
 * topics cost an idle broker CPU).
 */
export async function benchTopics(
  brokers: string[],
  stamp: number,
): Promise<{ ns: TopicNamespace; remove(): Promise<void> }> {
  const ns = new TopicNamespace(`bench${stamp}.`);
  const kafka = createKafka({
    client: kafkaClientFrom(process.env),
    brokers,
    clientId: 'bench',
    logger: createLogger({ service: 'bench', level: 'warn' }),
  });
  await ensureTopics(
    kafka,
    ALL_TOPICS.map((t) => ns.name(t)),
    { partitions: 6 },
  );
  return {
    ns,
    async remove() {
      const admin = kafka.admin();
      await admin.connect();
      await admin
        .deleteTopics(ALL_TOPICS.flatMap((t) => [ns.name(t), `${ns.name(t)}.dlt`]))
        .catch(() => undefined);
      await admin.disconnect();
    },
  };
}
