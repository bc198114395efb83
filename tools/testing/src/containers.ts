import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';

/** The images used on Docker hosts, pinned in one place (docker-compose.yml uses the same). */
export const IMAGES = {
  postgres: 'postgres:16.4-alpine',
  redis: 'redis:7.4.1-alpine',
  kafka: 'apache/kafka:3.9.1',
} as const;

const started: StartedTestContainer[] = [];

export async function startContainers(): Promise<Record<string, string>> {
  const postgres = await new GenericContainer(IMAGES.postgres)
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const redis = await new GenericContainer(IMAGES.redis).withExposedPorts(6379).start();
  // Kafka advertises the host port it is mapped to, so clients outside Docker can reach it.
  const kafkaPort = 19092 + Math.floor(Math.random() * 1000);
  const kafka = await new GenericContainer(IMAGES.kafka)
    .withExposedPorts({ container: 9092, host: kafkaPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS: '1000',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  started.push(postgres, redis, kafka);
  return {
    POSTGRES_URL: `postgres://postgres@${postgres.getHost()}:${postgres.getMappedPort(5432)}/postgres`,
    REDIS_URL: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
  };
}

export async function stopContainers(): Promise<void> {
  await Promise.all(started.splice(0).map((c) => c.stop()));
}
