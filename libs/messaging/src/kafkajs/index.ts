/**
 * Everything this project knows about kafkajs 2.2.4 (its last release), in one folder: the
 * client, producer and consumer settings, the patches to its internals, the log mapping, and the
 * adapters to the project's port (`../broker`). Nothing outside this folder imports kafkajs
 * (lint refuses it; ADR 0018).
 */
export { createKafkajsClient } from './client';
export { producerUnusable } from './producer-unusable';
export { kafkajsIdleFixApplied } from './idle-fix';
export { kafkajsLevel } from './log-levels';
