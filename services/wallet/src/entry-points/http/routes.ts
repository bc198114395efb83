import { requireOwner, type Credentials } from '@ticketing/auth';
import { AppError, TypedRoutes, headerOf, type HttpApp } from '@ticketing/platform';
import type { Wallets } from '../../domain/charges';
import {
  BalanceResponse,
  ChargeBody,
  ChargeResponse,
  HistoryQuery,
  HistoryResponse,
  WalletParams,
} from './schemas';

const IDEMPOTENCY_KEY = /^[\w.:-]{1,128}$/;

/** The wallet service's public HTTP routes (API.md, Wallet). */
export function httpRoutes(
  app: HttpApp,
  deps: { wallets: Wallets; credentials: Credentials },
): TypedRoutes {
  const { wallets, credentials } = deps;
  const ownWallet = (caller: Parameters<typeof requireOwner>[0], userId: string) =>
    requireOwner(caller, { ownerId: userId, what: 'wallet' });
  return new TypedRoutes(app)
    .add(
      {
        method: 'post',
        path: '/wallets/:userId/charges',
        operationId: 'chargeWallet',
        summary:
          'Charge the balance; with Idempotency-Key a replay returns the first response and charges once',
        auth: credentials.identity,
        params: WalletParams,
        body: ChargeBody,
        headers: {
          'Idempotency-Key': {
            description: '1..128 characters [A-Za-z0-9_.:-]; kept at least 24 h',
          },
        },
        errors: [
          'FORBIDDEN',
          'BALANCE_LIMIT_EXCEEDED',
          'IDEMPOTENCY_KEY_IN_USE',
          'IDEMPOTENCY_KEY_REUSED',
        ],
        responses: { 200: { description: 'the new balance', schema: ChargeResponse } },
      },
      async ({ params, body, caller }, req, reply) => {
        ownWallet(caller, params.userId);
        const key = headerOf(req, 'idempotency-key');
        if (key === undefined)
          return void reply.send(await wallets.charge(params.userId, body.amount));
        if (!IDEMPOTENCY_KEY.test(key))
          throw AppError.validation('header Idempotency-Key: 1..128 characters of [A-Za-z0-9_.:-]');
        reply.send(await wallets.chargeOnce(params.userId, key, body));
      },
    )
    .add(
      {
        method: 'get',
        path: '/wallets/:userId',
        operationId: 'getWallet',
        summary: 'The balance (0 for a user who never charged)',
        auth: credentials.identity,
        params: WalletParams,
        errors: ['FORBIDDEN'],
        responses: { 200: { description: 'balance', schema: BalanceResponse } },
      },
      async ({ params, caller }, _req, reply) => {
        ownWallet(caller, params.userId);
        reply.send({ userId: params.userId, balance: await wallets.balance(params.userId) });
      },
    )
    .add(
      {
        method: 'get',
        path: '/wallets/:userId/transactions',
        operationId: 'listWalletTransactions',
        summary: 'The ledger, newest first; pass nextCursor as cursor for the next page',
        auth: credentials.identity,
        params: WalletParams,
        query: HistoryQuery,
        errors: ['FORBIDDEN'],
        responses: { 200: { description: 'a page of transactions', schema: HistoryResponse } },
      },
      async ({ params, query, caller }, _req, reply) => {
        ownWallet(caller, params.userId);
        const page = await wallets.history(params.userId, query.limit, query.cursor);
        reply.send({
          items: page.items.map((e) => ({
            transactionId: e.transactionId,
            type: e.type,
            amount: e.amount,
            balanceAfter: e.balanceAfter,
            ...(e.paymentId && { paymentId: e.paymentId }),
            createdAt: e.createdAt.toISOString(),
          })),
          ...(page.nextCursor && { nextCursor: page.nextCursor }),
        });
      },
    );
}
