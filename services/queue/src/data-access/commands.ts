import type { RedisClient } from '@ticketing/platform';
import type { Result } from 'ioredis';
import { QUEUE_SCRIPTS as lua } from './scripts';

type Arg = string | number | Buffer;
declare module 'ioredis' {
  interface RedisCommander<Context> {
    queueClaim(...args: Arg[]): Result<[string, number], Context>;
    queueJoinAtOnce(...args: Arg[]): Result<[string, number, number?, string?], Context>;
    queueReclaim(...args: Arg[]): Result<number, Context>;
    queueRelease(...args: Arg[]): Result<number, Context>;
    queueNextNumber(...args: Arg[]): Result<[string, number, number, string?], Context>;
    queueRestoreEntry(...args: Arg[]): Result<number, Context>;
    queueRaiseReserved(...args: Arg[]): Result<number, Context>;
    queueOpenLine(...args: Arg[]): Result<number, Context>;
    queueUnlockOpening(...args: Arg[]): Result<number, Context>;
    queueRestoreSegment(...args: Arg[]): Result<number, Context>;
    queuePrepareTick(...args: Arg[]): Result<number[], Context>;
    queueAdvance(...args: Arg[]): Result<[number, number], Context>;
    queueFreeSlot(...args: Arg[]): Result<number, Context>;
    queueClaimSweep(...args: Arg[]): Result<number, Context>;
    queueRecordSweep(...args: Arg[]): Result<number, Context>;
    queueRetire(...args: Arg[]): Result<number, Context>;
    queueApplySchedule(...args: Arg[]): Result<number, Context>;
  }
}

/**
 * A join's commands: one per request, alone in its event-loop turn, so sent at once rather than
 * auto-pipelined (an auto-pipeline costs a join CPU and shares nothing with it).
 */
export const JOIN_COMMANDS = ['queueJoinAtOnce', 'queueClaim', 'queueNextNumber'];

/** The queue's Lua scripts as commands of the client (each on one hash tag, ADR 0015). */
export function defineQueueCommands(redis: RedisClient): void {
  redis.defineCommand('queueClaim', { numberOfKeys: 1, lua: lua.claim });
  redis.defineCommand('queueJoinAtOnce', { numberOfKeys: 2, lua: lua['join-at-once'] });
  redis.defineCommand('queueReclaim', { numberOfKeys: 1, lua: lua.reclaim });
  redis.defineCommand('queueRelease', { numberOfKeys: 1, lua: lua.release });
  redis.defineCommand('queueNextNumber', { numberOfKeys: 1, lua: lua['next-number'] });
  redis.defineCommand('queueRestoreEntry', { numberOfKeys: 1, lua: lua['restore-entry'] });
  redis.defineCommand('queueRaiseReserved', { numberOfKeys: 1, lua: lua['raise-reserved'] });
  redis.defineCommand('queueOpenLine', { numberOfKeys: 4, lua: lua['open-line'] });
  redis.defineCommand('queueUnlockOpening', { numberOfKeys: 1, lua: lua['unlock-opening'] });
  redis.defineCommand('queueRestoreSegment', { numberOfKeys: 3, lua: lua['restore-segment'] });
  redis.defineCommand('queuePrepareTick', { numberOfKeys: 4, lua: lua['prepare-tick'] });
  redis.defineCommand('queueAdvance', { numberOfKeys: 4, lua: lua.advance });
  redis.defineCommand('queueFreeSlot', { numberOfKeys: 3, lua: lua['free-slot'] });
  redis.defineCommand('queueClaimSweep', { numberOfKeys: 1, lua: lua['claim-sweep'] });
  redis.defineCommand('queueRecordSweep', { numberOfKeys: 1, lua: lua['record-sweep'] });
  redis.defineCommand('queueRetire', { numberOfKeys: 6, lua: lua.retire });
  redis.defineCommand('queueApplySchedule', { numberOfKeys: 2, lua: lua['apply-schedule'] });
}
