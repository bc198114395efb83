import type { Logger } from '@ticketing/platform';
import type { Registry } from 'prom-client';
import type { CreateGroupMember, KafkaClient, Publisher } from '../broker';
import type { TopicNamespace } from '../namespace';
import type { HandlerEntry, UnitOfWork } from './handlers';

export interface ConsumerOptions<Ctx> {
  kafka: KafkaClient;
  groupId: string;
  logger: Logger;
  handlers: HandlerEntry<Ctx>[];
  unitOfWork: UnitOfWork<Ctx>;
  /** Producer for dead-letter messages. */
  producer: Publisher;
  /** Attempts for a failing handler before the message goes to the DLT. */
  maxAttempts?: number;
  retryBaseMs?: number;
  partitionsConsumedConcurrently?: number;
  /**
   * The consumer fetches at most once per window (ms): what arrives within it is handled
   * together, one unit of work for the whole fetch. The first message after a quiet spell is
   * handled at once (the fetch is a long poll). 0: fetch again as soon as a fetch is handled.
   */
  batchWindowMs?: number;
  /**
   * Longest a fetch waits at the broker (default 2 s): also how long a stop may wait. Given to
   * the client's own member; a `member` passed in brings its own.
   */
  maxWaitMs?: number;
  fromBeginning?: boolean;
  metrics?: Registry;
  topics?: TopicNamespace;
  /** The group member to run (default: the client's, `kafka.groupMember`). */
  member?: CreateGroupMember;
  /**
   * How long the consumer may be out of its group (since it started, or since it left it)
   * before readiness fails (default `JOIN_DEADLINE_MS`).
   */
  joinDeadlineMs?: number;
}

/**
 * How long a consumer may take to join its group before readiness says it has not: longer than
 * a rebalance that waits out a dead member's 10 s session, and the retries of a join. A join
 * stuck on a retriable error is no crash (kafkajs retries it for ever), so nothing else would
 * say that no consumer runs.
 */
export const JOIN_DEADLINE_MS = 30_000;
