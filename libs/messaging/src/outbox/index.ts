export { OUTBOX_TABLE, createOutboxTable, enqueue, outboxInsert, slimOutboxTable } from './table';
export { OutboxRelay, type RelayOptions } from './relay';
