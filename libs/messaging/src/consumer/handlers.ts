import type { MessageContract } from '@ticketing/contracts';
import type { z } from 'zod';
import type { Envelope } from '../envelope';

export type Handler<T, Ctx> = (message: Envelope<T>, ctx: Ctx) => Promise<void>;

export interface HandlerEntry<Ctx> {
  contract: MessageContract;
  handle: Handler<unknown, Ctx>;
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
 * How a handler's effect is applied. The Postgres executor runs it in one transaction with the
 * inbox record and the outbox; a Redis-backed service runs it directly (its effects are
 * idempotent by construction).
 */
export interface Executor<Ctx> {
  execute(message: Envelope, run: (ctx: Ctx) => Promise<void>): Promise<Outcome>;
  /**
   * Optional: a batch of one partition's messages in one unit of work (one transaction, one
   * inbox insert), in order. All or nothing: if it throws, nothing of it happened and the
   * consumer takes the messages one by one.
   */
  executeBatch?(items: BatchItem<Ctx>[]): Promise<Outcome[]>;
}

/** One message of a batch, ready for the executor. */
export interface BatchItem<Ctx> {
  message: Envelope;
  run: (ctx: Ctx) => Promise<void>;
}
