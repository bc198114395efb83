import type { z } from 'zod';
import { UserId } from './common';
import type { MessageContract } from './message';
import * as concert from './concert';
import * as payment from './payment';
import * as queue from './queue';
import * as reservation from './reservation';
import * as wallet from './wallet';

const isContract = (v: unknown): v is MessageContract =>
  typeof v === 'object' && v !== null && 'type' in v && 'topic' in v && 'schema' in v && 'key' in v;

/** Every message type of the system, in the order of its owners' files. */
export const MESSAGES: MessageContract[] = [concert, reservation, wallet, queue, payment].flatMap(
  (owner) => Object.values(owner).filter(isContract),
);

/**
 * What a message's partition key is made of, as a template of its data fields: `{userId}`,
 * `{scheduleId}`. Read by calling the key with a stand-in whose every field names itself.
 */
export function keyTemplate(contract: MessageContract): string {
  const fields = new Proxy({}, { get: (_target, field) => `{${String(field)}}` });
  return contract.key(fields as z.output<typeof contract.schema>);
}

/** The data fields that hold a user id: values that identify a person (API.md, Identity). */
export function userIdFields(contract: MessageContract): string[] {
  const shape = (contract.schema as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
  return Object.entries(shape)
    .filter(([, field]) => unwrapped(field) === UserId)
    .map(([name]) => name);
}

function unwrapped(field: z.ZodType): z.ZodType {
  const inner = (field as unknown as { unwrap?: () => z.ZodType }).unwrap;
  return typeof inner === 'function' ? unwrapped(inner.call(field)) : field;
}
