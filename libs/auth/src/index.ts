export * from './keys';
export * from './place';
export * from './token';
export * from './identity';
export * from './queue-pass';
export * from './pass-cache';
export * from './credentials';
export * from './open';
