/**
 * Everything this project knows about kafkajs 2.2.4 (its last release), in one folder: the
 * client and producer settings, the patches to its internals, the log mapping and the consumer
 * group adapter. Nothing outside this folder imports kafkajs (lint refuses it; ADR 0018).
 */
export { createKafka, createProducer } from './client';
export { kafkajsGroupMember } from './consumer-group';
export { SelfHealingProducer, producerUnusable } from './self-healing-producer';
export { kafkajsIdleFixApplied } from './idle-fix';
export { kafkajsLevel } from './log-levels';
