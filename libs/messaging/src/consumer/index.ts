export { on } from './handlers';
export type { BatchItem, Executor, Handler, HandlerEntry, Outcome } from './handlers';
export { MessageConsumer, type ConsumerOptions } from './message-consumer';
