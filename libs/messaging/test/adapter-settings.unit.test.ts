import pino from 'pino';
import { KAFKA_CLIENT_SETTINGS } from '../src/client-settings';
import {
  commonConfig as confluentCommonConfig,
  consumerConfig as confluentConsumerConfig,
  producerConfig as confluentProducerConfig,
} from '../src/confluent/settings';
import { LibrdkafkaLog } from '../src/confluent/logging';
import { kafkajsConsumerConfig } from '../src/kafkajs/consumer-group';
import { clientSettings, consumerSettings } from '../src/platformatic/settings';

const settings = clientSettings({
  brokers: ['127.0.0.1:9092'],
  clientId: 'settings-test',
  logger: pino({ level: 'silent' }),
});

/**
 * Every adapter takes its timeouts, backoff and metadata ages from KAFKA_CLIENT_SETTINGS: a
 * setting written anew in one adapter drifts from the others' (a consumer kept fetching from a
 * dead leader for minutes on one client, seconds on the other).
 */
describe('the kafkajs settings', () => {
  it("when a consumer is made, then it backs off as every client does, its metadata as old as a consumer's may be, and its group timings are the project's", () => {
    const { consumer, retry } = KAFKA_CLIENT_SETTINGS;
    expect(kafkajsConsumerConfig('g')).toMatchObject({
      groupId: 'g',
      sessionTimeout: consumer.sessionTimeoutMs,
      heartbeatInterval: consumer.heartbeatIntervalMs,
      rebalanceTimeout: consumer.rebalanceTimeoutMs,
      metadataMaxAge: consumer.metadataMaxAgeMs,
      retry: { initialRetryTime: retry.initialRetryTimeMs, maxRetryTime: retry.maxRetryTimeMs },
    });
  });
});

describe('the @platformatic/kafka settings', () => {
  it("when a consumer is made, then its metadata grows as old as kafkajs's consumer's at most, and its group timings are the project's", () => {
    expect(consumerSettings(settings)).toMatchObject({
      metadataMaxAge: KAFKA_CLIENT_SETTINGS.consumer.metadataMaxAgeMs,
      sessionTimeout: KAFKA_CLIENT_SETTINGS.consumer.sessionTimeoutMs,
      heartbeatInterval: KAFKA_CLIENT_SETTINGS.consumer.heartbeatIntervalMs,
      rebalanceTimeout: KAFKA_CLIENT_SETTINGS.consumer.rebalanceTimeoutMs,
    });
    expect(KAFKA_CLIENT_SETTINGS.consumer.metadataMaxAgeMs).toBeLessThan(
      KAFKA_CLIENT_SETTINGS.consumer.sessionTimeoutMs,
    );
  });

  it('when any client is made, then it connects, waits and retries as KAFKA_CLIENT_SETTINGS says', () => {
    expect(settings).toMatchObject({
      connectTimeout: KAFKA_CLIENT_SETTINGS.connectionTimeoutMs,
      requestTimeout: KAFKA_CLIENT_SETTINGS.joinRequestTimeoutMs,
      timeout: KAFKA_CLIENT_SETTINGS.requestTimeoutMs,
      retries: KAFKA_CLIENT_SETTINGS.retry.retries,
      metadataMaxAge: KAFKA_CLIENT_SETTINGS.metadataMaxAgeMs,
    });
  });

  it('when a JoinGroup waits out a whole rebalance, then its request has not timed out before the broker answers', () => {
    expect(KAFKA_CLIENT_SETTINGS.joinRequestTimeoutMs).toBeGreaterThan(
      KAFKA_CLIENT_SETTINGS.consumer.rebalanceTimeoutMs,
    );
    expect(KAFKA_CLIENT_SETTINGS.joinRequestTimeoutMs).toBeGreaterThanOrEqual(
      KAFKA_CLIENT_SETTINGS.requestTimeoutMs,
    );
  });

  it("when a request fails, then it is tried again after the project's backoff: 100 ms doubling to 500 ms", () => {
    const delays = [1, 2, 3, 4, 5, 28].map((attempt) =>
      settings.retryDelay(undefined, 'op', attempt),
    );
    expect(delays).toEqual([100, 200, 400, 500, 500, 500]);
  });
});

describe("Confluent's client settings", () => {
  const options = {
    brokers: ['127.0.0.1:9092'],
    clientId: 'settings-test',
    logger: pino({ level: 'silent' }),
  };

  it("when a member is made, then its group timings are the project's and it offers the round-robin name every member offers", () => {
    const { consumer } = KAFKA_CLIENT_SETTINGS;
    const config = confluentConsumerConfig('g', true, 2000);
    expect(config.kafkaJS).toMatchObject({
      groupId: 'g',
      fromBeginning: true,
      autoCommit: false,
      sessionTimeout: consumer.sessionTimeoutMs,
      heartbeatInterval: consumer.heartbeatIntervalMs,
      rebalanceTimeout: consumer.rebalanceTimeoutMs,
      metadataMaxAge: consumer.metadataMaxAgeMs,
      maxWaitTimeInMs: 2000,
    });
    for (const name of config.kafkaJS!.partitionAssigners!)
      expect(consumer.assignmentProtocols).toContain(name);
  });

  it('when any client is made, then it connects, waits and backs off as KAFKA_CLIENT_SETTINGS says, and runs no statistics timer', () => {
    const { retry } = KAFKA_CLIENT_SETTINGS;
    const config = confluentCommonConfig(options, new LibrdkafkaLog(options.logger));
    expect(config.kafkaJS).toMatchObject({
      connectionTimeout: KAFKA_CLIENT_SETTINGS.connectionTimeoutMs,
      requestTimeout: KAFKA_CLIENT_SETTINGS.requestTimeoutMs,
      retry: { initialRetryTime: retry.initialRetryTimeMs, retries: retry.retries },
    });
    expect(config).toMatchObject({
      'reconnect.backoff.ms': retry.initialRetryTimeMs,
      'reconnect.backoff.max.ms': retry.maxRetryTimeMs,
      'statistics.interval.ms': 0,
    });
    expect(
      confluentCommonConfig(options, new LibrdkafkaLog(options.logger), 0).kafkaJS!.retry!.retries,
    ).toBe(0);
  });

  it('when a producer is made, then a send leaves at once, acks=all, idempotent, and gives up no sooner than kafkajs would', () => {
    const config = confluentProducerConfig();
    expect(config).toMatchObject({ 'linger.ms': 0, partitioner: 'murmur2_random' });
    expect(config.kafkaJS).toMatchObject({ idempotent: true, acks: -1 });
    expect(config['message.timeout.ms']).toBeGreaterThan(KAFKA_CLIENT_SETTINGS.requestTimeoutMs);
  });
});
