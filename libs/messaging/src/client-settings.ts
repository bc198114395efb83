import { backoffDelay } from '@ticketing/platform';

/**
 * How the services' Kafka clients ride out a broker that dies, restarts or hands over its
 * partitions, whichever client carries them (ADR 0022). A test holds these against the
 * manifests' broker settings (deploy/test/failure-settings.unit.test.ts).
 */
export const KAFKA_CLIENT_SETTINGS = {
  connectionTimeoutMs: 3000,
  /**
   * Longer than a broker's fencing (`broker.session.timeout.ms`): an acks=all write waits for a
   * dead follower to leave the in-sync replicas, and must not give up before it does.
   */
  requestTimeoutMs: 10_000,
  /**
   * How long a JoinGroup may take: the broker answers it once the rebalance is done (up to
   * `consumer.rebalanceTimeoutMs`), so the rebalance timeout and 5 s for the network, as kafkajs
   * waits for it. @platformatic/kafka has one timeout for every request, so this is its request
   * timeout (a broker's own limit for a write or an admin request stays `requestTimeoutMs`).
   */
  joinRequestTimeoutMs: 15_000,
  /**
   * How old a producer's or an admin's metadata may grow (kafkajs's default): it is asked again
   * whenever an answer says it is stale, and a producer on any refused connection. A consumer
   * has its own, shorter one (`consumer.metadataMaxAgeMs`).
   */
  metadataMaxAgeMs: 300_000,
  /**
   * Retries with backoff, 100 ms doubling to 500 ms, together longer than a leader's election
   * (13 s, as kafkajs's 10 retries to 2 s took): a request refused while a dead broker's
   * partitions or a group's coordinator move is tried again within half a second of the move,
   * not up to 2 s after it (issue 72: each hop of a payment held up to 2 s after an election).
   */
  retry: { initialRetryTimeMs: 100, maxRetryTimeMs: 500, retries: 28 },
  /** Every write acknowledged by the in-sync replicas, retried without duplicates or reordering. */
  producer: { acks: 'all', idempotent: true, maxInFlightRequests: 1 },
  consumer: {
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 2000,
    rebalanceTimeoutMs: 10_000,
    /**
     * How old the cluster's metadata may grow before a fetch asks again: a leader that died
     * without a word is still named there, and a consumer fetches from it (refused) until it
     * learns of the new one. (A producer asks again on any refused connection.)
     */
    metadataMaxAgeMs: 3000,
    /**
     * The names a member offers its group's round-robin assignment under, by preference: a group
     * agrees on a name every member offers. kafkajs calls it `RoundRobinAssigner` (and so does the
     * project's @platformatic/kafka member, to share a group with it); Java's clients and
     * librdkafka `roundrobin`, the one name Confluent's client can offer. kafkajs's and
     * @platformatic/kafka's members offer both, so a service moves from any client to any other
     * instance by instance; a group of theirs alone keeps the name it had.
     */
    assignmentProtocols: ['RoundRobinAssigner', 'roundrobin'],
  },
} as const;

/** The clients' backoff in `backoffDelay`'s terms. */
export const retryBackoff = (retry = KAFKA_CLIENT_SETTINGS.retry) => ({
  firstMs: retry.initialRetryTimeMs,
  maxMs: retry.maxRetryTimeMs,
});

/** The longest a client keeps retrying one request before it reports a failure. */
export function retryBudgetMs(retry = KAFKA_CLIENT_SETTINGS.retry): number {
  let total = 0;
  for (let attempt = 1; attempt <= retry.retries; attempt++)
    total += backoffDelay(attempt, retryBackoff(retry));
  return total;
}
