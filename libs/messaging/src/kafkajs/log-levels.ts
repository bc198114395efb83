import { logLevel } from 'kafkajs';

type Level = 'error' | 'warn' | 'info' | 'debug';

interface KafkaErrorCode {
  type: string;
  retriable: boolean;
  message: string;
}

// kafkajs's own table of Kafka's error codes (message → type, retriable): its log lines of a
// failed response carry only the message.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: KafkaErrorCode[] };
const BY_MESSAGE = new Map(errorCodes.map((e) => [e.message, e]));

/** A consumer group's normal life: members join and leave, coordinators and leaders move. */
const GROUP_LIFE = new Set([
  'REBALANCE_IN_PROGRESS',
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'MEMBER_ID_REQUIRED',
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
]);

const KAFKAJS_LEVELS: Record<number, Level> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export interface KafkajsLogEntry {
  message: string;
  error?: string;
  retriable?: boolean;
  [key: string]: unknown;
}

/**
 * The level a kafkajs line deserves here (issue: "logs cry wolf"). kafkajs logs a rebalance as
 * an error on every heartbeat of every member, and any retriable failure the same way; an
 * on-call engineer then learns to ignore "error". A rebalance is `debug`; what kafkajs retries by
 * itself (a retriable protocol error, a lost connection, a consumer it restarts) is `info` or
 * `warn`; what it gives up on stays an error.
 */
export function kafkajsLevel(level: number, entry: KafkajsLogEntry): Level {
  const given = KAFKAJS_LEVELS[level] ?? 'info';
  if (given !== 'error' && given !== 'warn') return given;
  const known = entry.error !== undefined ? BY_MESSAGE.get(entry.error) : undefined;
  if (known && GROUP_LIFE.has(known.type)) return 'debug';
  if (/rebalancing|re-joining|not aware of this member/i.test(entry.message)) return 'debug';
  if (known?.retriable || entry.retriable === true) return 'info';
  if (/^Connection (error|timeout)|^Failed to connect to seed broker/.test(entry.message))
    return 'warn'; // kafkajs retries; readiness reports Kafka as down while it lasts
  if (/^Restarting the consumer|^Crash: KafkaJSNumberOfRetriesExceeded/.test(entry.message))
    return 'warn'; // kafkajs restarts the consumer itself
  return given;
}
