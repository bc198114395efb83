export * from './eventually';
export * from './ids';
export * from './env';
export * from './database';
export * from './kafka';
export * from './logs';
export * from './queue-token';
export * from './topics';
