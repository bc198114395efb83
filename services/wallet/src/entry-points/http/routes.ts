import { requireOwner, type Credentials } from '@ticketing/auth';
import { AppError, TypedRoutes } from '@ticketing/platform';
import { Router, type Express } from 'express';
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
  app: Express,
  deps: { wallets: Wallets; credentials: Credentials },
): TypedRoutes {
  const { wallets, credentials } = deps;
  const ownWallet = (caller: Parameters<typeof requireOwner>[0], userId: string) =>
    requireOwner(caller, { ownerId: userId, what: 'wallet' });
  const router = Router();
  app.use(router);
  return new TypedRoutes(router)
    .add(
      {
        method: 'post',
        path: '/wallets/:userId/charges',
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
        responses: { 200: { description: 'the new balance', schema: ChargeResponse } },
      },
      async ({ params, body, caller }, req, res) => {
        ownWallet(caller, params.userId);
        const key = req.header('idempotency-key');
        if (key === undefined)
          return void res.json(await wallets.charge(params.userId, body.amount));
        if (!IDEMPOTENCY_KEY.test(key))
          throw AppError.validation('header Idempotency-Key: 1..128 characters of [A-Za-z0-9_.:-]');
        const stored = await wallets.chargeOnce(params.userId, key, body);
        res
          .status(stored.status)
          .type(stored.status >= 400 ? 'application/problem+json' : 'application/json');
        res.send(JSON.stringify(stored.body));
      },
    )
    .add(
      {
        method: 'get',
        path: '/wallets/:userId',
        summary: 'The balance (0 for a user who never charged)',
        auth: credentials.identity,
        params: WalletParams,
        responses: { 200: { description: 'balance', schema: BalanceResponse } },
      },
      async ({ params, caller }, _req, res) => {
        ownWallet(caller, params.userId);
        res.json({ userId: params.userId, balance: await wallets.balance(params.userId) });
      },
    )
    .add(
      {
        method: 'get',
        path: '/wallets/:userId/transactions',
        summary: 'The ledger, newest first; pass nextCursor as cursor for the next page',
        auth: credentials.identity,
        params: WalletParams,
        query: HistoryQuery,
        responses: { 200: { description: 'a page of transactions', schema: HistoryResponse } },
      },
      async ({ params, query, caller }, _req, res) => {
        ownWallet(caller, params.userId);
        const page = await wallets.history(params.userId, query.limit, query.cursor);
        res.json({
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
