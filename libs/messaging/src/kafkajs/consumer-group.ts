import {
  PartitionAssigners,
  type ConsumerConfig,
  type Kafka,
  type PartitionAssigner,
} from 'kafkajs';
import { KAFKA_CLIENT_SETTINGS } from '../client-settings';
import type {
  ConsumerGroupMember,
  ConsumerGroupRun,
  GroupEvents,
  GroupMemberOptions,
} from '../broker';
import { handOverBatch } from '../kafkajs-api';
import { MemberLifecycle, fetchWaitMs } from '../member-lifecycle';

/** kafkajs's round-robin assignment under each name the project offers it (`assignmentProtocols`). */
const roundRobinAs =
  (name: string): PartitionAssigner =>
  (config) => ({ ...PartitionAssigners.roundRobin(config), name });

/** A kafkajs consumer's settings: the project's (`KAFKA_CLIENT_SETTINGS`). */
export function kafkajsConsumerConfig(
  groupId: string,
  options: GroupMemberOptions = {},
): ConsumerConfig {
  const { consumer, retry } = KAFKA_CLIENT_SETTINGS;
  return {
    groupId,
    maxWaitTimeInMs: fetchWaitMs(options),
    sessionTimeout: consumer.sessionTimeoutMs,
    heartbeatInterval: consumer.heartbeatIntervalMs,
    rebalanceTimeout: consumer.rebalanceTimeoutMs,
    metadataMaxAge: consumer.metadataMaxAgeMs,
    allowAutoTopicCreation: false,
    partitionAssigners: consumer.assignmentProtocols.map(roundRobinAs),
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
  const lifecycle = new MemberLifecycle();
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
    events.assigned(payload.memberAssignment),
  );
  consumer.on(consumer.events.STOP, () => events.left());
  consumer.on(consumer.events.REBALANCING, () => events.rebalancing());
  // kafkajs restarts itself only when the crash's root cause is retriable; after any other
  // crash it stays down for good.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    events.left();
    if (!lifecycle.stopping) events.crashed(payload.error, payload.restart);
  });

  /** Up to the group join: kafkajs's `run` resolves once the member is in its group. */
  async function start({ topics, fromBeginning, concurrency, eachBatch }: ConsumerGroupRun) {
    await consumer.connect();
    await lifecycle.subscribe(() => consumer.subscribe({ topics, fromBeginning }));
    // Stopped while it connected: kafkajs would start a consumer that nothing stops any more.
    if (lifecycle.stopping) return;
    await consumer.run({
      // kafkajs commits after every batch when it commits by itself: an OffsetCommit round
      // trip per partition per fetch, before the next fetch (ADR 0013).
      autoCommit: false,
      partitionsConsumedConcurrently: concurrency,
      eachBatchAutoResolve: false,
      eachBatch: (payload) =>
        handOverBatch(payload, eachBatch, (offsets) =>
          payload.commitOffsetsIfNecessary({ topics: offsets }),
        ),
    });
  }

  return {
    async run(options: ConsumerGroupRun) {
      await lifecycle.joining(start(options));
    },
    async stop() {
      // A join kafkajs had begun would carry on after the disconnect: it is waited for first.
      await lifecycle.stop();
      await consumer.disconnect();
    },
  };
}
