import { TOPICS } from '@ticketing/contracts';
import { TopicCapture, eventually, uuid } from '@ticketing/testing';
import type { WalletServiceHandle } from '../src/start';
import { WalletDeployment, charge, topicNamespace } from './harness';

describe('wallet API', () => {
  let deployment: WalletDeployment;
  let a: WalletServiceHandle;
  let b: WalletServiceHandle;
  let events: TopicCapture;

  beforeAll(async () => {
    deployment = await WalletDeployment.create();
    a = await deployment.startInstance();
    b = await deployment.startInstance();
    events = await TopicCapture.start([(await topicNamespace()).name(TOPICS.walletEvents)]);
  });
  afterAll(async () => {
    await events.stop();
    await deployment.stop();
  });

  it('when a user charges, then the balance, a ledger row and wallet.charged follow', async () => {
    const userId = uuid();
    const res = await charge(a.url, userId, 50_000);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ userId, balance: 50_000, transactionId: expect.any(String) });
    expect(await (await fetch(`${b.url}/wallets/${userId}`)).json()).toEqual({
      userId,
      balance: 50_000,
    });
    await deployment.expectBalanceIsLedgerSum(userId);
    await eventually(() => expect(events.where((m) => m.key === userId)).toHaveLength(1));
    expect(events.where((m) => m.key === userId)[0]!.envelope).toMatchObject({
      type: 'wallet.charged',
      data: { amount: 50_000, balance: 50_000 },
    });
  });

  it('when a user never charged, then the balance is 0 and the history empty', async () => {
    const userId = uuid();
    expect(await (await fetch(`${a.url}/wallets/${userId}`)).json()).toEqual({
      userId,
      balance: 0,
    });
    expect(await (await fetch(`${a.url}/wallets/${userId}/transactions`)).json()).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it.each([
    ['negative', -100, 'must be positive'],
    ['zero', 0, 'must be positive'],
    ['fractional', 10.5, 'whole number'],
    ['a string', '1000', 'must be a number'],
    ['huge', 1e12, 'at most'],
  ])(
    'when the amount is %s, then 400 VALIDATION_FAILED naming the field, and nothing is written',
    async (_what, amount, detail) => {
      const userId = uuid();
      const res = await charge(a.url, userId, amount);
      expect(res.status).toBe(400);
      expect(res.contentType).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(res.body.detail).toContain('amount');
      expect(res.body.detail).toContain(detail);
      expect(await deployment.db('ledger').where({ user_id: userId })).toHaveLength(0);
      expect(await deployment.db('wallets').where({ user_id: userId })).toHaveLength(0);
    },
  );

  it('when the user id is not a UUID, then 400 naming it', async () => {
    const res = await charge(a.url, 'alice', 1000);
    expect(res).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(res.body.detail).toContain('path.userId');
  });

  it('when a charge would pass the maximum balance, then 409 BALANCE_LIMIT_EXCEEDED and the balance is unchanged', async () => {
    const userId = uuid();
    for (let i = 0; i < 10; i++) expect((await charge(a.url, userId, 10_000_000)).status).toBe(200);
    const res = await charge(a.url, userId, 1);
    expect(res).toMatchObject({ status: 409, body: { code: 'BALANCE_LIMIT_EXCEEDED' } });
    expect(await deployment.expectBalanceIsLedgerSum(userId)).toBe(100_000_000);
  });

  it('when 200 charges race on one wallet through two instances, then balance = sum and 200 ledger rows', async () => {
    const userId = uuid();
    const amounts = Array.from({ length: 200 }, (_, i) => 1000 + i);
    const results = await Promise.all(
      amounts.map((amount, i) => charge((i % 2 ? a : b).url, userId, amount)),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(await deployment.expectBalanceIsLedgerSum(userId)).toBe(
      amounts.reduce((x, y) => x + y, 0),
    );
    expect(await deployment.db('ledger').where({ user_id: userId })).toHaveLength(200);
  });

  it('when the history is long, then pages come newest first and the cursor walks all of it once', async () => {
    const userId = uuid();
    for (let i = 1; i <= 7; i++) await charge(a.url, userId, i * 100);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await fetch(
        `${a.url}/wallets/${userId}/transactions?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const page = (await res.json()) as {
        items: { amount: number; type: string; balanceAfter: number }[];
        nextCursor: string | null;
      };
      seen.push(...page.items.map((t) => t.amount));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([700, 600, 500, 400, 300, 200, 100]);
    expect((await fetch(`${a.url}/wallets/${userId}/transactions?cursor=bogus`)).status).toBe(400);
  });
});

describe('Idempotency-Key', () => {
  let deployment: WalletDeployment;
  let a: WalletServiceHandle;
  let b: WalletServiceHandle;
  beforeAll(async () => {
    deployment = await WalletDeployment.create();
    a = await deployment.startInstance();
    b = await deployment.startInstance();
  });
  afterAll(() => deployment.stop());

  it('when 10 requests with one key race, then one charge; the others replay it or are told it is in progress', async () => {
    const userId = uuid();
    const key = `k-${uuid()}`;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => charge((i % 2 ? a : b).url, userId, 7000, key)),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.body.transactionId)).size).toBe(1);
    expect(
      results.every(
        (r) => r.status === 200 || (r.status === 409 && r.body.code === 'IDEMPOTENCY_KEY_IN_USE'),
      ),
    ).toBe(true);
    expect(await deployment.db('ledger').where({ user_id: userId })).toHaveLength(1);
    // Once done, every replay returns the first response exactly.
    const replay = await charge(b.url, userId, 7000, key);
    expect(replay).toEqual({
      status: 200,
      contentType: expect.stringMatching(/application\/json/),
      body: ok[0]!.body,
    });
    expect(await deployment.expectBalanceIsLedgerSum(userId)).toBe(7000);
  });

  it('when the same key comes with a different body, then 422 IDEMPOTENCY_KEY_REUSED and nothing is charged', async () => {
    const userId = uuid();
    const key = `k-${uuid()}`;
    expect((await charge(a.url, userId, 1000, key)).status).toBe(200);
    const reused = await charge(a.url, userId, 2000, key);
    expect(reused).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(await deployment.expectBalanceIsLedgerSum(userId)).toBe(1000);
  });

  it('when a keyed charge was refused, then its replay is the same refusal, in the same problem+json shape', async () => {
    const userId = uuid();
    for (let i = 0; i < 10; i++) await charge(a.url, userId, 10_000_000);
    const key = `k-${uuid()}`;
    const first = await charge(a.url, userId, 1, key);
    const replay = await charge(b.url, userId, 1, key);
    expect(first.status).toBe(409);
    expect(replay).toEqual(first);
  });

  it('when keys are older than the retention, then they are purged (and not before)', async () => {
    const userId = uuid();
    const key = `k-${uuid()}`;
    await charge(a.url, userId, 1000, key);
    expect(await a.wallets.purgeIdempotencyKeys(24)).toBe(0);
    await deployment
      .db('idempotency_keys')
      .where({ key })
      .update({ created_at: deployment.db.raw(`now() - interval '25 hours'`) });
    expect(await a.wallets.purgeIdempotencyKeys(24)).toBe(1);
  });
});
