export * from './envelope';
export * from './kafka';
export * from './topics';
export * from './outbox';
export * from './inbox';
export * from './dlt';
export * from './consumer';
export * from './executors';
