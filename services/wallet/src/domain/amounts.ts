/** Pure rules of money in the wallet (integer KRW). */

export interface WalletLimits {
  maxCharge: number;
  maxBalance: number;
}

/** Why a charge amount is refused, or null. */
export function chargeAmountProblem(amount: unknown, limits: WalletLimits): string | null {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return 'must be a number';
  if (!Number.isInteger(amount)) return 'must be a whole number of KRW';
  if (amount <= 0) return 'must be positive';
  if (amount > limits.maxCharge) return `must be at most ${limits.maxCharge} KRW per charge`;
  return null;
}

/** Whether charging `amount` keeps the balance within the limit. */
export const fitsBalanceLimit = (balance: number, amount: number, limits: WalletLimits) =>
  balance + amount <= limits.maxBalance;

/** The balance a ledger implies: charges and refunds add, debits take away. */
export function ledgerBalance(
  entries: { type: 'CHARGE' | 'DEBIT' | 'REFUND'; amount: number }[],
): number {
  return entries.reduce((sum, e) => sum + (e.type === 'DEBIT' ? -e.amount : e.amount), 0);
}
