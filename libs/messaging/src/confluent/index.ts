/**
 * Everything this project knows about Confluent's `@confluentinc/kafka-javascript` (librdkafka
 * underneath, through its KafkaJS-compatible API), in one folder: its settings, its errors in the
 * port's terms, its log lines, and the adapters to the project's port (`../broker`). Nothing
 * outside this folder imports it (lint refuses it; ADR 0018). It is compiled at install time
 * from its npm tarball (tools/infra/kafka-javascript.mjs, ADR 0036).
 */
export { createConfluentClient } from './client';
export { portError, producerUnusable } from './errors';
