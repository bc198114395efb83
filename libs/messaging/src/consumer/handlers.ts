import type { MessageContract } from '@ticketing/contracts';
import type { Queryable } from '@ticketing/platform';
import type { z } from 'zod';
import type { Envelope } from '../envelope';

export type Handler<T, Ctx> = (message: Envelope<T>, ctx: Ctx) => Promise<void>;

export interface HandlerEntry<Ctx> {
  contract: MessageContract;
  handle: Handler<unknown, Ctx>;
  /** Tried first, when the unit of work allows it: the message applied in one statement. */
  alone?: StatementHandler<unknown>;
}

/** The inbox record of a message: who handled which message, of which type. */
export interface InboxRecord {
  consumer: string;
  messageId: string;
  type: string;
}

/**
 * What a handler that applies its message in one statement of its own gets: the inbox record
 * that statement must write with the effect and the messages it sends (`inboxClaim` builds its
 * SQL), so that all of it commits or none, and where to run it.
 */
export interface StatementContext {
  inbox: InboxRecord;
  /**
   * The pool (the statement commits alone), or the transaction of a batch of messages, which
   * commits it with the batch's others: what it does after its commit waits for that one. In a
   * transaction an error of the statement has aborted it: it must reach the caller, never be
   * taken for a decline.
   */
  db: Queryable;
}

/**
 * Applies a message in one statement: 'applied' (or 'duplicate', for a handler that can tell);
 * undefined when it did not settle it, with nothing written (a duplicate, a state it leaves to
 * `handle`, a row another writer moved since it was read): the message then takes the unit of
 * work's transaction and the handler's `handle`, which decides it under lock.
 */
export type StatementHandler<T> = (
  message: Envelope<T>,
  ctx: StatementContext,
) => Promise<Outcome | undefined>;

/** The context a handler runs in: the message's conversation, caused by the message. */
export function contextOf(envelope: Envelope, traceparent?: string) {
  return { correlationId: envelope.correlationId, causationId: envelope.id, traceparent };
}

/** One row of a service's topic → handler table. */
export function on<S extends z.ZodType, Ctx>(
  contract: MessageContract<S>,
  handle: Handler<z.output<S>, Ctx>,
  alone?: StatementHandler<z.output<S>>,
): HandlerEntry<Ctx> {
  return {
    contract: contract as MessageContract,
    handle: handle as Handler<unknown, Ctx>,
    ...(alone && { alone: alone as StatementHandler<unknown> }),
  };
}

export type Outcome = 'applied' | 'duplicate';

/**
 * The unit of work a handler's effect is applied in. A Postgres service's (`inboxUnitOfWork`)
 * is one transaction with the inbox record and the outbox; a Redis-backed service's
 * (`directUnitOfWork`) runs the handler directly (its effects are idempotent by construction).
 */
export interface UnitOfWork<Ctx> {
  /**
   * `alone`, when given and the unit of work can offer it (an inbox in Postgres), is tried first;
   * `run` follows in the unit of work when it did not settle the message (it returned undefined,
   * or the server rolled its statement back for a duplicate in flight or a deadlock).
   */
  execute(
    message: Envelope,
    run: (ctx: Ctx) => Promise<void>,
    alone?: (ctx: StatementContext) => Promise<Outcome | undefined>,
  ): Promise<Outcome>;
  /**
   * Optional: a batch of one partition's messages in one unit of work (one transaction, one
   * inbox insert), in order. All or nothing: if it throws, nothing of it happened and the
   * consumer takes the messages one by one.
   */
  executeBatch?(items: BatchItem<Ctx>[]): Promise<Outcome[]>;
}

/** One message of a batch, ready for the unit of work (`alone` as in `execute`). */
export interface BatchItem<Ctx> {
  message: Envelope;
  run: (ctx: Ctx) => Promise<void>;
  alone?: (ctx: StatementContext) => Promise<Outcome | undefined>;
}
