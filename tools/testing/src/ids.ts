import { randomBytes, randomUUID } from 'node:crypto';

export const uuid = (): string => randomUUID();

/** A short random suffix for names (databases, topics, groups) owned by one test. */
export const randomSuffix = (): string => randomBytes(5).toString('hex');

/** A positive integer id unlikely to collide with other tests' ids. */
export const randomIntId = (): number => 1_000_000 + Math.floor(Math.random() * 2_000_000_000);

/**
 * The jest run this process belongs to: set by the global setup, inherited by the workers.
 * Topics carry it, so a run's teardown deletes its own topics and never those of another run
 * sharing the broker (a developer's single test file beside a full run).
 */
export function testRunId(): string {
  process.env.TEST_RUN_ID ??= randomBytes(2).toString('hex');
  return process.env.TEST_RUN_ID;
}

/** A topic name's random part: the run's id, then six hex digits of the test's own. */
export const topicSuffix = (): string => `${testRunId()}${randomBytes(3).toString('hex')}`;
