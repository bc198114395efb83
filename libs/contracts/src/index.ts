export * from './message';
export * from './common';
export * from './topics';
export * from './system';
export * as concert from './concert';
export * as reservation from './reservation';
export * as wallet from './wallet';
export * as queue from './queue';
export * as payment from './payment';
