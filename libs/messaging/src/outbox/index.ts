export {
  OUTBOX_TABLE,
  createOutboxTable,
  enqueue,
  outboxInsert,
  outboxWriter,
  notifyOutboxRows,
  parseNotifiedRow,
  type NotifiedRow,
  quietOutboxNotify,
  slimOutboxTable,
} from './table';
export { OutboxRelay, type RelayOptions } from './relay';
