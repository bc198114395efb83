export { on } from './handlers';
export { decode, type Decoded } from './decode';
export { contextOf } from './one-by-one';
export type { BatchItem, Executor, Handler, HandlerEntry, Outcome } from './handlers';
export { MessageConsumer, type ConsumerOptions } from './message-consumer';
