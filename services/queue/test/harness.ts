/**
 * What the queue's tests share, from three modules: its instances and their deployment
 * (queue-instances.ts), its ports on their state (queue-ports.ts), and its HTTP API as a fan's
 * client calls it (queue-client.ts).
 */
export {
  KEY_PREFIX,
  NO_CATALOG,
  concertInCatalog,
  passSigner,
  passVerifier,
  queueDatabaseUrl,
  queueLogs,
  runAudit,
  sendToQueue,
  startCatalog,
  startQueue,
  testRedisUsers,
  topicNamespace,
  type Catalog,
  type QueueState,
} from './queue-instances';
export {
  concertDate,
  keysUnder,
  knownConcert,
  queueJoining,
  queuePorts,
  type QueuePorts,
} from './queue-ports';
export * from './queue-client';
