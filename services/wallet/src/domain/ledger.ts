/**
 * The wallet's records, owned by the domain: a line of the ledger and a payment's debit.
 * data-access maps rows to these.
 */

export type EntryType = 'CHARGE' | 'DEBIT' | 'REFUND';

export interface LedgerEntry {
  transactionId: string;
  type: EntryType;
  amount: number;
  balanceAfter: number;
  paymentId: string | null;
  createdAt: Date;
  seq: number;
}

export interface Debit {
  paymentId: string;
  userId: string;
  amount: number;
  status: 'APPLIED' | 'REFUNDED' | 'REJECTED' | 'BLOCKED';
  transactionId: string | null;
  refundTransactionId: string | null;
}
