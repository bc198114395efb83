import type { z } from 'zod';

/**
 * A message type: its name and version, the topic it travels on, its schema (checked on produce
 * and on consume) and its partition key.
 */
export interface MessageContract<S extends z.ZodType = z.ZodType> {
  type: string;
  version: number;
  topic: string;
  schema: S;
  /** Partition key: the aggregate id, so order per aggregate holds. */
  key: (data: z.output<S>) => string;
}

export function defineMessage<S extends z.ZodType>(
  contract: MessageContract<S>,
): MessageContract<S> {
  return contract;
}

/** The data of a contract's messages. */
export type DataOf<C> = C extends MessageContract<infer S> ? z.output<S> : never;
