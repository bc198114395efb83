import { PRODUCTION_BROKER_SETTINGS } from '@ticketing/infra';
import { KAFKA_CLIENT_SETTINGS, retryBudgetMs } from '@ticketing/messaging';
import { DB_ACQUIRE_TIMEOUT_MS } from '@ticketing/platform';

/**
 * What each fault of the fault suite must cost a payment, from the settings that carry the
 * system through it (ADR 0022) and from what the fault itself took (a promotion, a restart),
 * measured as it ran — not from one run on one machine. The suite holds the slowest payment of
 * each fault to `stall + AFTER_THE_STALL_MS`.
 */

/** The saga's step timeout the suite runs with, and the payment service's sweep (its default). */
export const SAGA_STEP_TIMEOUT_MS = 20_000;
export const SAGA_SWEEP_INTERVAL_MS = 5_000;

/**
 * Once a fault's stall is over, the longest a payment takes, by the saga's own deadlines: its
 * step is answered, or given up within a step's timeout and a sweep; a step given up is
 * compensated, and that is answered or given up the same way. This holds while no hop (an
 * outbox relay, a write, a fetch, a handler) takes longer than a step's timeout — what the timeout
 * assumes of the machine. On the project's VMs a hop takes well under a second, a payment 0.3–7
 * s; on a 2-core VM beside the rest of the run, slower by half again with half a core taken, the
 * slowest payments of the faults that stall nothing for long took 9–18 s.
 */
export const AFTER_THE_STALL_MS = 2 * (SAGA_STEP_TIMEOUT_MS + SAGA_SWEEP_INTERVAL_MS);

/** A broker that stops heartbeating is fenced after this; writes to what it replicated wait. */
const FENCED_MS = Number(PRODUCTION_BROKER_SETTINGS['broker.session.timeout.ms']);

/**
 * How long the clients take to find where a partition's leader went: a producer retries for its
 * whole budget (100 ms doubling to 500 ms, 28 times: 13 s) and asks for metadata on each refused
 * connection; a consumer asks for metadata every 3 s.
 */
const CLIENTS_FOLLOW_MS = retryBudgetMs() + KAFKA_CLIENT_SETTINGS.consumer.metadataMaxAgeMs;

/**
 * A consumer group that lost members (or its coordinator) gives their partitions to the others
 * once their sessions end, in a rebalance every live member joins within its timeout.
 */
const GROUP_REJOINS_MS =
  KAFKA_CLIENT_SETTINGS.consumer.sessionTimeoutMs +
  KAFKA_CLIENT_SETTINGS.consumer.rebalanceTimeoutMs;

/**
 * A broker killed, serving again after `outageMs`: writes and fetches on what it led wait until it
 * is fenced and the clients find the new leaders, and a group it coordinated waits until it is
 * fenced and the group has rejoined its new coordinator. kafkajs may not route around a broker
 * that died under an open connection at all (kafkajs#1783; docs/operations.md, "When the
 * infrastructure fails"): a request on it can wait until the broker is back, and the next retry
 * (2 s apart at most). The longer of the two; it comes back as a follower (leaders move back only
 * at the brokers' 5-minute rebalance check), which costs nothing more.
 */
export const brokerLostMs = (outageMs: number) =>
  Math.max(
    FENCED_MS + Math.max(CLIENTS_FOLLOW_MS, GROUP_REJOINS_MS),
    outageMs + KAFKA_CLIENT_SETTINGS.retry.maxRetryTimeMs,
  );

/** How long the controllers wait for their leader before electing another. */
const QUORUM_LOST_MS = Number(PRODUCTION_BROKER_SETTINGS['controller.quorum.fetch.timeout.ms']);

/**
 * The active KRaft controller killed: the same as any broker, once the quorum has elected another
 * (a voter notices after its fetch timeout, an election takes about 1 s); the new controller
 * fences the lost broker a session after it takes over.
 */
export const controllerLostMs = (outageMs: number) =>
  brokerLostMs(outageMs) + QUORUM_LOST_MS + 1_000;

/**
 * One broker stopped in a roll: it hands its leaders over first, so nothing waits to be fenced;
 * the clients follow (told "not the leader", they ask again), and a group it coordinated finds
 * the next coordinator. One broker at a time, each once every partition is back in sync: a
 * payment meets one of them.
 */
export const BROKER_ROLLED_MS = Math.max(CLIENTS_FOLLOW_MS, GROUP_REJOINS_MS);

/**
 * The database's primary out for `outageMs` (until the standby was promoted, or the switchover
 * was done): a connection asked for meanwhile is given up after the pool's acquire timeout and
 * asked for again; the rw address follows the new primary within a second (HAProxy checks every
 * 500 ms).
 */
export const databaseOutMs = (outageMs: number) => outageMs + DB_ACQUIRE_TIMEOUT_MS + 1_000;

/**
 * Every instance of a service gone for `outageMs` (until each is back and ready): its requests
 * are held by the gateway meanwhile, and its consumer group hands the dead members' partitions on
 * once their sessions end.
 */
export const serviceOutMs = (outageMs: number) => outageMs + GROUP_REJOINS_MS;
