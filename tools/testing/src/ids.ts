import { randomBytes, randomUUID } from 'node:crypto';

export const uuid = (): string => randomUUID();

/** A short random suffix for names (databases, topics, groups) owned by one test. */
export const randomSuffix = (): string => randomBytes(5).toString('hex');

/** A positive integer id unlikely to collide with other tests' ids. */
export const randomIntId = (): number => 1_000_000 + Math.floor(Math.random() * 2_000_000_000);
