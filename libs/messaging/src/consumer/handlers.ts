import type { MessageContract } from '@ticketing/contracts';
import type { z } from 'zod';
import type { Envelope } from '../envelope';

export type Handler<T, Ctx> = (message: Envelope<T>, ctx: Ctx) => Promise<void>;

export interface HandlerEntry<Ctx> {
  contract: MessageContract;
  handle: Handler<unknown, Ctx>;
}

/** The context a handler runs in: the message's conversation, caused by the message. */
export function contextOf(envelope: Envelope, traceparent?: string) {
  return { correlationId: envelope.correlationId, causationId: envelope.id, traceparent };
}

/** One row of a service's topic → handler table. */
export function on<S extends z.ZodType, Ctx>(
  contract: MessageContract<S>,
  handle: Handler<z.output<S>, Ctx>,
): HandlerEntry<Ctx> {
  return { contract: contract as MessageContract, handle: handle as Handler<unknown, Ctx> };
}

export type Outcome = 'applied' | 'duplicate';

/**
 * The unit of work a handler's effect is applied in. A Postgres service's (`inboxUnitOfWork`)
 * is one transaction with the inbox record and the outbox; a Redis-backed service's
 * (`directUnitOfWork`) runs the handler directly (its effects are idempotent by construction).
 */
export interface UnitOfWork<Ctx> {
  execute(message: Envelope, run: (ctx: Ctx) => Promise<void>): Promise<Outcome>;
  /**
   * Optional: a batch of one partition's messages in one unit of work (one transaction, one
   * inbox insert), in order. All or nothing: if it throws, nothing of it happened and the
   * consumer takes the messages one by one.
   */
  executeBatch?(items: BatchItem<Ctx>[]): Promise<Outcome[]>;
}

/** One message of a batch, ready for the unit of work. */
export interface BatchItem<Ctx> {
  message: Envelope;
  run: (ctx: Ctx) => Promise<void>;
}
