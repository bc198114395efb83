import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { LibrdkafkaLog } from './logging';

/** librdkafka's names that differ from Kafka's own (the port speaks Kafka's: `../broker`). */
const KAFKA_NAMES: Record<string, string> = {
  UNKNOWN_TOPIC_OR_PART: 'UNKNOWN_TOPIC_OR_PARTITION',
  NOT_LEADER_FOR_PARTITION: 'NOT_LEADER_OR_FOLLOWER',
};

interface ClientError extends Error {
  code?: number;
  type?: string;
  retriable?: boolean;
  fatal?: boolean;
}

/**
 * A failure of the client in the port's terms: `type`, Kafka's name of the error a broker
 * answered (librdkafka's `ERR_…` without its prefix; its own errors, `ERR__…`, have none), and
 * `retriable`, as librdkafka says (a connection lost, a timeout, a leader moving). The client's
 * error is its `cause`.
 */
export function portError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as ClientError;
  const librdkafkaName = typeof e.type === 'string' ? e.type : '';
  const brokerName = /^ERR_[A-Z]/.test(librdkafkaName) ? librdkafkaName.slice(4) : undefined;
  return Object.assign(new Error(e.message, { cause: err }), {
    name: 'KafkaError',
    type: brokerName && (KAFKA_NAMES[brokerName] ?? brokerName),
    retriable: e.retriable === true || transient(e.code),
  });
}

/** librdkafka's local errors that pass with time, which it does not mark retriable itself. */
const TRANSIENT = new Set<number>([
  KafkaJS.ErrorCodes.ERR__TRANSPORT,
  KafkaJS.ErrorCodes.ERR__ALL_BROKERS_DOWN,
  KafkaJS.ErrorCodes.ERR__TIMED_OUT,
  KafkaJS.ErrorCodes.ERR__MSG_TIMED_OUT,
  KafkaJS.ErrorCodes.ERR_REQUEST_TIMED_OUT,
  KafkaJS.ErrorCodes.ERR_UNKNOWN_TOPIC_OR_PART,
  KafkaJS.ErrorCodes.ERR_LEADER_NOT_AVAILABLE,
  KafkaJS.ErrorCodes.ERR_NOT_LEADER_FOR_PARTITION,
  KafkaJS.ErrorCodes.ERR_NOT_ENOUGH_REPLICAS,
  KafkaJS.ErrorCodes.ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  KafkaJS.ErrorCodes.ERR_COORDINATOR_NOT_AVAILABLE,
  KafkaJS.ErrorCodes.ERR_NOT_COORDINATOR,
]);
const transient = (code: number | undefined) => code !== undefined && TRANSIENT.has(code);

/**
 * Connects, a failure in the port's terms naming what librdkafka met meanwhile: the connect's own
 * error is the first one ("broker transport failure"), the reason (a SASL authentication
 * failure, a certificate refused) is among those after it.
 */
export async function connecting(connect: () => Promise<void>, log: LibrdkafkaLog): Promise<void> {
  log.takeErrors();
  try {
    await connect();
  } catch (err) {
    const failure = portError(err) as Error;
    const met = [...new Set(log.takeErrors())].filter((m) => !m.includes(failure.message));
    if (met.length > 0) failure.message = `${failure.message} (${met.join('; ')})`;
    throw failure;
  }
}

/** Runs a client call, its failure in the port's terms. */
export async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw portError(err);
  }
}

/**
 * Whether a failed send says the producer itself is broken, not the cluster: librdkafka raises
 * a fatal error when an idempotent producer's state is lost for good (its id fenced, its
 * sequence broken beyond repair); every later send of that producer fails the same way.
 */
export function producerUnusable(err: unknown): boolean {
  for (let e = err as ClientError | undefined; e; e = (e as { cause?: unknown }).cause as typeof e)
    if (e.fatal === true || /without awaiting connect|disconnected/i.test(e.message ?? ''))
      return true;
  return false;
}
