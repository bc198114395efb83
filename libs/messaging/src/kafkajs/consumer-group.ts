import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import { retryUntil } from '@ticketing/platform';
import { KAFKA_CLIENT_SETTINGS } from '../client-settings';
import {
  isRetriable,
  type ConsumerGroupMember,
  type ConsumerGroupRun,
  type GroupEvents,
  type GroupMemberOptions,
} from '../broker';

/** How long a subscription waits for a topic created moments ago to reach every broker. */
const SUBSCRIBE_PATIENCE_MS = 10_000;

/** A kafkajs consumer's settings: the project's (`KAFKA_CLIENT_SETTINGS`). */
export function kafkajsConsumerConfig(
  groupId: string,
  options: GroupMemberOptions = {},
): ConsumerConfig {
  const { consumer, retry } = KAFKA_CLIENT_SETTINGS;
  return {
    groupId,
    // The services' KAFKA_CONSUMER_MAX_WAIT_MS (libs/platform `kafkaEnv` says why 2 s).
    maxWaitTimeInMs: options.maxWaitMs ?? 2000,
    sessionTimeout: consumer.sessionTimeoutMs,
    heartbeatInterval: consumer.heartbeatIntervalMs,
    rebalanceTimeout: consumer.rebalanceTimeoutMs,
    metadataMaxAge: consumer.metadataMaxAgeMs,
    allowAutoTopicCreation: false,
    // The clients' backoff, without end: a member keeps trying through an outage of any length
    // (readiness says when it has been out of its group too long: `MessageConsumer`).
    retry: {
      initialRetryTime: retry.initialRetryTimeMs,
      maxRetryTime: retry.maxRetryTimeMs,
      retries: Number.MAX_SAFE_INTEGER,
    },
  };
}

/**
 * A consumer group member on kafkajs, with the project's settings: manual commits (the consumer
 * commits what it handled on its own schedule, ADR 0013), batches resolved by the caller, and a
 * crash reported only when kafkajs will not restart the member itself.
 */
export function kafkajsGroupMember(
  kafka: Kafka,
  groupId: string,
  events: GroupEvents,
  options: GroupMemberOptions = {},
): ConsumerGroupMember {
  const consumer = kafka.consumer(kafkajsConsumerConfig(groupId, options));
  let stopping = false;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
    events.assigned(payload.memberAssignment),
  );
  consumer.on(consumer.events.STOP, () => events.left());
  consumer.on(consumer.events.REBALANCING, () => events.rebalancing());
  // kafkajs restarts itself only when the crash's root cause is retriable; after any other
  // crash it stays down for good.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    events.left();
    if (!stopping) events.crashed(payload.error, payload.restart);
  });

  /** A topic created moments ago may not be in every broker's metadata yet (retriable). */
  const subscribe = (topics: string[], fromBeginning: boolean) =>
    retryUntil(() => consumer.subscribe({ topics, fromBeginning }), {
      timeoutMs: SUBSCRIBE_PATIENCE_MS,
      intervalMs: 200,
      retryOn: (err) => isRetriable(err) && !stopping,
    });

  /**
   * A run in progress: a stop waits for it (a join kafkajs had begun would carry on after the
   * disconnect), but not for ever: a broker away makes kafkajs try to connect for as long.
   */
  let starting: Promise<void> | undefined;

  async function start({ topics, fromBeginning, concurrency, eachBatch }: ConsumerGroupRun) {
    await consumer.connect();
    await subscribe(topics, fromBeginning);
    // Stopped while it connected: kafkajs would start a consumer that nothing stops any more.
    if (stopping) return;
    await consumer.run({
      // kafkajs commits after every batch when it commits by itself: an OffsetCommit round
      // trip per partition per fetch, before the next fetch (ADR 0013).
      autoCommit: false,
      partitionsConsumedConcurrently: concurrency,
      eachBatchAutoResolve: false,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        isRunning,
        isStale,
        commitOffsetsIfNecessary,
      }) => {
        const stillOurs = () => isRunning() && !isStale();
        await eachBatch({
          topic: batch.topic,
          partition: batch.partition,
          messages: batch.messages,
          lastOffset: () => batch.lastOffset(),
          resolveOffset,
          heartbeat,
          stillOurs,
          commit: (offsets) => commitOffsetsIfNecessary({ topics: offsets }),
        });
        // A batch handed back while still ours is done (the port's rule): kafkajs would fetch
        // what is not resolved again, and again.
        if (stillOurs()) resolveOffset(batch.lastOffset());
      },
    });
  }

  return {
    run(options: ConsumerGroupRun) {
      starting = start(options);
      return starting;
    },
    async stop() {
      stopping = true;
      await Promise.race([
        starting?.catch(() => undefined),
        // How long a stop waits for a join in progress: the group's rebalance timeout.
        sleep(KAFKA_CLIENT_SETTINGS.consumer.rebalanceTimeoutMs, undefined, { ref: false }),
      ]);
      await consumer.disconnect();
    },
  };
}
