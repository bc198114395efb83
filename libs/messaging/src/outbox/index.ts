export {
  OUTBOX_TABLE,
  createOutboxTable,
  enqueue,
  outboxInsert,
  outboxWriter,
  quietOutboxNotify,
  slimOutboxTable,
} from './table';
export { OutboxRelay, type RelayOptions } from './relay';
