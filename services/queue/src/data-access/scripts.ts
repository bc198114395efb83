import path from 'node:path';
import type { RedisClient } from '@ticketing/platform';
import { loadLuaCommands } from '@ticketing/platform/wiring';
import type { ChainableCommander } from 'ioredis';

/**
 * The queue's Lua scripts (ADR 0015), the files of `lua/` beside this one, each named with its
 * number of keys (`advance-4.lua`; their shared parts in `lua/include/`, Redis' clock from the
 * platform's), loaded once when the process starts. Each touches the keys of one hash tag only,
 * so each runs atomically on a single Redis and on a Redis Cluster alike: the user index (one
 * bucket), the concert's counters (`{q:<concert>}`). Per-fan bits in segments are plain
 * SETBIT/BITFIELD commands. Order comes from the counter, never from clocks; time comes from
 * Redis (`TIME`) where instances must agree on it.
 */
export const QUEUE_SCRIPTS = loadLuaCommands(path.join(__dirname, 'lua'));

export type Arg = string | number | Buffer;

/** One command for the client or a pipeline: a Redis command, or one of the queue's scripts. */
export interface RedisCommand {
  name: string;
  args: Arg[];
}

/** The client command a script runs as (defined on the client by `defineQueueScripts`). */
const commandOf = (script: string) =>
  `queue${script.replace(/(^|-)(\w)/g, (_m, _dash: string, c: string) => c.toUpperCase())}`;

/** The commands a join sends alone in its event-loop turn: never auto-pipelined. */
export const JOIN_COMMANDS = ['join-at-once', 'claim', 'next-number'].map(commandOf);

/** Every script as a command of this client (each on one hash tag, ADR 0015). */
export function defineQueueScripts(redis: RedisClient): void {
  for (const { name, numberOfKeys, lua } of QUEUE_SCRIPTS.values())
    redis.defineCommand(commandOf(name), { numberOfKeys, lua });
}

/** A script's call, its keys counted against the script's own file name. */
export function script(name: string, keys: Arg[], args: Arg[] = []): RedisCommand {
  const found = QUEUE_SCRIPTS.get(name);
  if (!found) throw new Error(`no Lua script named ${name}`);
  if (keys.length !== found.numberOfKeys)
    throw new Error(`${name} takes ${found.numberOfKeys} key(s), not ${keys.length}`);
  return { name: commandOf(name), args: [...keys, ...args] };
}

type Callable = Record<string, (...args: Arg[]) => unknown>;

/** Sends a command on the client: its reply. */
export function send<T = unknown>(redis: RedisClient, command: RedisCommand): Promise<T> {
  return (redis as unknown as Callable)[command.name]!(...command.args) as Promise<T>;
}

/** Adds a command to a pipeline. */
export function queued(pipeline: ChainableCommander, command: RedisCommand): ChainableCommander {
  return (pipeline as unknown as Callable)[command.name]!(...command.args) as ChainableCommander;
}
