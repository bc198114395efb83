import { concertContracts } from './concert';
import { paymentContracts } from './payment';
import { queueContracts } from './queue';
import { reservationContracts } from './reservation';
import { walletContracts } from './wallet';

export * from './common';
export * from './topics';
export * as concert from './concert';
export * as reservation from './reservation';
export * as wallet from './wallet';
export * as queue from './queue';
export * as payment from './payment';

export const ALL_CONTRACTS = [
  ...concertContracts,
  ...reservationContracts,
  ...walletContracts,
  ...queueContracts,
  ...paymentContracts,
];
