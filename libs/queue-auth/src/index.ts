export * from './keys';
export * from './token';
export * from './middleware';
export * from './open';
