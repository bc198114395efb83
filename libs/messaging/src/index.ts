/**
 * What any part of a service may use of messaging: envelopes and `buildMessage`, the outbox
 * (`enqueue`) and inbox tables, handler tables (`on`) and the contexts handlers run in, the DLT
 * vocabulary and the AsyncAPI document. The runtime that `start.ts` wires — Kafka clients, the
 * consumer, the relay, topic admin, dead-letter tools — is `@ticketing/messaging/wiring`; a
 * domain file never imports it (lint, ADR 0008).
 */
export {
  EnvelopeSchema,
  type Envelope,
  type OutgoingMessage,
  HEADER,
  SchemaError,
  buildMessage,
} from './envelope';
export { TopicNamespace } from './namespace';
export { dltOf } from './topics';
export {
  OUTBOX_TABLE,
  createOutboxTable,
  enqueue,
  outboxInsert,
  outboxWriter,
  quietOutboxNotify,
  slimOutboxTable,
} from './outbox';
export {
  INBOX_TABLE,
  createInboxTable,
  claimMessage,
  claimMessages,
  inboxClaim,
  isInboxConflict,
} from './inbox';
export { DLT_HEADER, DLT_REASONS, type DltReason } from './dlt';
export {
  on,
  type BatchItem,
  type UnitOfWork,
  type Handler,
  type HandlerEntry,
  type InboxRecord,
  type Outcome,
  type StatementContext,
  type StatementHandler,
} from './consumer';
export { type TxContext, type DirectContext } from './unit-of-work';
export { indexInboxByAge } from './retention';
export { KAFKA_CLIENT_SETTINGS, retryBudgetMs } from './client-settings';
export { type HandledTypes, asyncApiDocument } from './asyncapi';
