export { contextOf, on } from './handlers';
export { decode, type Decoded } from './decode';
export type {
  BatchItem,
  Handler,
  HandlerEntry,
  InboxRecord,
  Outcome,
  StatementContext,
  StatementHandler,
  UnitOfWork,
} from './handlers';
export type { ConsumerOptions } from './consumer-options';
export { MessageConsumer } from './message-consumer';
