import { chargeAmountProblem, fitsBalanceLimit, ledgerBalance } from '../src/domain/amounts';
import { loadServiceConfig } from '../src/config';

const limits = { maxCharge: 10_000_000, maxBalance: 100_000_000 };

describe('charge amounts', () => {
  it.each([1, 1000, 10_000_000])('when %i KRW, then it is accepted', (amount) => {
    expect(chargeAmountProblem(amount, limits)).toBeNull();
  });

  it.each([
    [0, 'must be positive'],
    [-5, 'must be positive'],
    [1.5, 'whole number'],
    [10_000_001, 'at most 10000000'],
    ['100', 'must be a number'],
    [Number.NaN, 'must be a number'],
    [Number.POSITIVE_INFINITY, 'must be a number'],
    [null, 'must be a number'],
  ])('when %p, then it is refused (%s)', (amount, problem) => {
    expect(chargeAmountProblem(amount, limits)).toContain(problem);
  });

  it('when a charge would pass the balance limit, then it does not fit', () => {
    expect(fitsBalanceLimit(99_999_999, 1, limits)).toBe(true);
    expect(fitsBalanceLimit(99_999_999, 2, limits)).toBe(false);
  });

  it('when the ledger is summed, then charges and refunds add and debits take away', () => {
    expect(
      ledgerBalance([
        { type: 'CHARGE', amount: 50_000 },
        { type: 'DEBIT', amount: 30_000 },
        { type: 'REFUND', amount: 30_000 },
        { type: 'DEBIT', amount: 1_000 },
      ]),
    ).toBe(49_000);
  });

  it('when the per-charge limit exceeds the balance limit, then start-up fails naming WALLET_MAX_CHARGE', () => {
    expect(() =>
      loadServiceConfig({ WALLET_MAX_CHARGE: '5000', WALLET_MAX_BALANCE: '1000' }),
    ).toThrow(/WALLET_MAX_CHARGE/);
  });
});
