import { randomUUID } from 'node:crypto';
import { wallet as contracts, type ProblemCode } from '@ticketing/contracts';
import { buildMessage } from '@ticketing/messaging';
import {
  AppError,
  isAppError,
  loadCursorSeal,
  requestHashOf,
  requireSameRequest,
  type CursorSeal,
  type Database,
} from '@ticketing/platform';
import type { LedgerEntry } from './ledger';
import { chargeAmountProblem, type WalletLimits } from './amounts';
import type { FirstAnswer, WalletRepositories } from './repositories';

export interface ChargeResult {
  userId: string;
  balance: number;
  transactionId: string;
}

// A first request that has not finished after this long is taken to have died.
const STALE_CLAIM_SECONDS = 60;

/** The wallet's public use cases: charge, balance, history. */
export class Wallets {
  private cursors?: Promise<CursorSeal>;

  constructor(
    private readonly db: Database,
    private readonly repositories: WalletRepositories,
    private readonly limits: WalletLimits,
  ) {}

  /** Adds money: the balance, its ledger row and its wallet.charged, in one statement. */
  async charge(userId: string, amount: number): Promise<ChargeResult> {
    const problem = chargeAmountProblem(amount, this.limits);
    if (problem) throw AppError.validation(`body.amount: ${problem}`);
    const charged = await this.chargeAndAnnounce(userId, amount);
    if (!charged) {
      throw AppError.conflict(
        'BALANCE_LIMIT_EXCEEDED',
        `the balance may not exceed ${this.limits.maxBalance} KRW`,
        { maxBalance: this.limits.maxBalance },
      );
    }
    return charged;
  }

  /** The charge, or undefined when the balance would pass its limit (nothing written then). */
  private async chargeAndAnnounce(
    userId: string,
    amount: number,
    kept?: { key: string; requestHash: string },
  ): Promise<ChargeResult | undefined> {
    const transactionId = randomUUID();
    // The balance after the charge is the statement's to know: 0 here, set as it commits.
    const charged = buildMessage(
      contracts.walletCharged,
      { userId, transactionId, amount, balance: 0 },
      { source: 'wallet' },
    );
    const balance = await this.repositories
      .wallets(this.db)
      .charge({ userId, amount, transactionId }, this.limits.maxBalance, [charged], kept);
    return balance === null ? undefined : { userId, balance, transactionId };
  }

  /**
   * Most keys are new and most charges pass: the charge and its answer, kept under the key, are
   * then one statement. Undefined when the key is already kept (the store refused the statement)
   * or the charge is refused (nothing written): the claim protocol answers those.
   */
  private async chargeUnderNewKey(
    userId: string,
    amount: number,
    kept: { key: string; requestHash: string },
  ): Promise<ChargeResult | undefined> {
    if (chargeAmountProblem(amount, this.limits)) return undefined;
    try {
      return await this.chargeAndAnnounce(userId, amount, kept);
    } catch (err) {
      if (this.repositories.keys(this.db).isKeyTaken(err)) return undefined;
      throw err;
    }
  }

  /**
   * A charge under an Idempotency-Key: the first request's answer (the charge, or its refusal)
   * is kept and given again; the same key with another body is refused; a key whose first
   * request is still running answers 409.
   */
  async chargeOnce(userId: string, key: string, body: { amount: number }): Promise<ChargeResult> {
    const keys = this.repositories.keys(this.db);
    const hash = requestHashOf(body);
    const first = await this.chargeUnderNewKey(userId, body.amount, { key, requestHash: hash });
    if (first) return first;
    if (!(await keys.claim(userId, key, hash))) {
      const existing = await keys.find(userId, key);
      if (!existing) return this.chargeOnce(userId, key, body); // purged meanwhile: claim again
      requireSameRequest(existing.requestHash, hash);
      if (existing.status === 'DONE') return replay(existing.answer!);
      if (!(await keys.takeOverStale(userId, key, STALE_CLAIM_SECONDS))) {
        throw AppError.conflict(
          'IDEMPOTENCY_KEY_IN_USE',
          'a request with this Idempotency-Key is still being processed; retry shortly',
        );
      }
    }
    let result: ChargeResult;
    try {
      result = await this.charge(userId, body.amount);
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) {
        await keys.release(userId, key); // not an answer: let the client try again
        throw err;
      }
      await keys.complete(userId, key, refusalAnswer(err)); // given again exactly as now
      throw err;
    }
    await keys.complete(userId, key, { status: 200, body: result });
    return result;
  }

  balance(userId: string): Promise<number> {
    return this.repositories.wallets(this.db).balance(userId);
  }

  /** A page of the ledger, newest first, and the cursor of the next page. */
  async history(
    userId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: LedgerEntry[]; nextCursor: string | null }> {
    const seal = await (this.cursors ??= loadCursorSeal(this.db));
    const before = cursor === undefined ? undefined : seqOf(seal.open(cursor));
    const rows = await this.repositories.wallets(this.db).entries(userId, limit + 1, before);
    const items = rows.slice(0, limit);
    const more = rows.length > limit;
    return { items, nextCursor: more ? seal.seal(`s:${items[items.length - 1]!.seq}`) : null };
  }

  purgeIdempotencyKeys(olderThanHours: number): Promise<number> {
    return this.repositories.keys(this.db).purgeOlderThan(olderThanHours);
  }
}

/** The ledger position a sealed cursor names (a sealed one is always this shape). */
function seqOf(position: string): number {
  const match = /^s:(\d{1,15})$/.exec(position);
  if (!match) throw AppError.validation('query.cursor: not a cursor this service issued');
  return Number(match[1]);
}

/** A refusal as kept for replays: its status, code, detail and extra members. */
function refusalAnswer(err: AppError): FirstAnswer {
  return { status: err.status, body: { code: err.code, detail: err.message, ...err.extras } };
}

/**
 * The first answer again: the charge, or the very refusal (rethrown: answered as the first
 * was). A refusal kept as a whole problem body (type, title, status: before answers were kept as
 * refusals) reads the same.
 */
function replay(answer: FirstAnswer): ChargeResult {
  if (answer.status < 400) return answer.body as ChargeResult;
  const {
    code,
    detail,
    type: _type,
    title: _title,
    status: _status,
    ...extras
  } = answer.body as { code: ProblemCode; detail: string } & Record<string, unknown>;
  throw new AppError({ code, detail, extras });
}
