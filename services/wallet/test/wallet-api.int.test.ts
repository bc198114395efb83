import { TOPICS } from '@ticketing/contracts';
import { TokenSigner, generatePassKeys } from '@ticketing/queue-pass';
import {
  TopicCapture,
  countedDatabase,
  eventually,
  identityToken,
  tamperedCursors,
  uuid,
} from '@ticketing/testing';
import { Wallets } from '../src/domain/charges';
import { walletRepositories, type WalletServiceHandle } from '../src/start';
import { WalletDeployment, charge, getAs, topicNamespace } from './harness';

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

  it('when a user charges twice, then the balance, a ledger row and a wallet.charged with the balance after each follow', async () => {
    const userId = uuid();
    const res = await charge(a.url, userId, 50_000);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ userId, balance: 50_000, transactionId: expect.any(String) });
    const again = await charge(b.url, userId, 20_000);
    expect(again.body).toMatchObject({ userId, balance: 70_000 });
    expect(await (await getAs(`${b.url}/wallets/${userId}`, userId)).json()).toEqual({
      userId,
      balance: 70_000,
    });
    await deployment.expectBalanceIsLedgerSum(userId);
    await eventually(() => expect(events.where((m) => m.key === userId)).toHaveLength(2));
    expect(events.where((m) => m.key === userId).map((m) => m.envelope)).toEqual([
      expect.objectContaining({
        type: 'wallet.charged',
        data: { userId, transactionId: res.body.transactionId, amount: 50_000, balance: 50_000 },
      }),
      expect.objectContaining({
        type: 'wallet.charged',
        data: { userId, transactionId: again.body.transactionId, amount: 20_000, balance: 70_000 },
      }),
    ]);
  });

  it('when a user never charged, then the balance is 0 and the history empty', async () => {
    const userId = uuid();
    expect(await (await getAs(`${a.url}/wallets/${userId}`, userId)).json()).toEqual({
      userId,
      balance: 0,
    });
    expect(await (await getAs(`${a.url}/wallets/${userId}/transactions`, userId)).json()).toEqual({
      items: [],
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

  it('when the user id has characters no user id has, then 400 naming it (before the owner check)', async () => {
    const res = await charge(a.url, 'bob smith', 1000, undefined, await identityToken());
    expect(res).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(res.body.detail).toContain('path.userId');
  });

  it("when user A's identity is used on user B's wallet, then 403 FORBIDDEN and nothing changes", async () => {
    const owner = uuid();
    await charge(a.url, owner, 5000);
    const intruder = await identityToken(uuid());
    const stolen = await charge(a.url, owner, 1000, undefined, intruder);
    expect(stolen).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    for (const path of ['', '/transactions']) {
      const res = await fetch(`${a.url}/wallets/${owner}${path}`, {
        headers: { authorization: `Bearer ${intruder}` },
      });
      expect(res.status).toBe(403);
    }
    expect(await deployment.expectBalanceIsLedgerSum(owner)).toBe(5000);
    expect(await deployment.db('ledger').where({ user_id: owner })).toHaveLength(1);
  });

  it('when a wallet is asked without an identity, or with a queue pass, then 401', async () => {
    const userId = uuid();
    expect((await fetch(`${a.url}/wallets/${userId}`)).status).toBe(401);
    const pass = await new TokenSigner(generatePassKeys().signingKey).sign(
      { userId, tokenId: uuid(), concertId: 1 },
      60,
    );
    const res = await fetch(`${a.url}/wallets/${userId}`, {
      headers: { authorization: `Bearer ${pass}` },
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('TOKEN_INVALID');
  });

  it('when the user id is not a UUID but a provider subject (auth0|…), then it is a wallet like any other', async () => {
    const userId = `auth0|${uuid()}`;
    expect((await charge(a.url, userId, 1200)).body).toMatchObject({ userId, balance: 1200 });
    const res = await getAs(`${a.url}/wallets/${encodeURIComponent(userId)}`, userId);
    expect(await res.json()).toEqual({ userId, balance: 1200 });
  });

  it('when a charge would pass the maximum balance, then 409 BALANCE_LIMIT_EXCEEDED and the balance is unchanged', async () => {
    const userId = uuid();
    for (let i = 0; i < 10; i++) expect((await charge(a.url, userId, 10_000_000)).status).toBe(200);
    const res = await charge(a.url, userId, 1);
    expect(res).toMatchObject({ status: 409, body: { code: 'BALANCE_LIMIT_EXCEEDED' } });
    expect(await deployment.expectBalanceIsLedgerSum(userId)).toBe(100_000_000);
    expect(await deployment.db('ledger').where({ user_id: userId })).toHaveLength(10);
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
    let firstCursor: string | null = null;
    do {
      const res = await getAs(
        `${a.url}/wallets/${userId}/transactions?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        userId,
      );
      const page = (await res.json()) as {
        items: { amount: number; type: string; balanceAfter: number }[];
        nextCursor?: string;
      };
      seen.push(...page.items.map((t) => t.amount));
      cursor = page.nextCursor ?? null;
      firstCursor ??= cursor;
      // API.md: nextCursor is absent on the last page.
      if (!cursor) expect(Object.keys(page)).toEqual(['items']);
    } while (cursor);
    expect(seen).toEqual([700, 600, 500, 400, 300, 200, 100]);
    for (const [how, tampered] of Object.entries(tamperedCursors(firstCursor!))) {
      const res = await getAs(`${a.url}/wallets/${userId}/transactions?cursor=${tampered}`, userId);
      const body = (await res.json()) as { code: string };
      expect({ how, status: res.status, code: body.code }).toEqual({
        how,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    expect(
      (await getAs(`${a.url}/wallets/${userId}/transactions?cursor=bogus`, userId)).status,
    ).toBe(400);
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

  it('when a key is new, then the charge and its kept answer are one statement, and a replay gives that answer', async () => {
    // The use case as the service runs it, on a pool whose statements and transactions count.
    const { db, statements, destroy } = countedDatabase(deployment.databaseUrl);
    const userId = uuid();
    const key = `k-${uuid()}`;
    const wallets = new Wallets(db, walletRepositories(), { maxCharge: 1e6, maxBalance: 1e7 });
    const first = await wallets.chargeOnce(userId, key, { amount: 3000 }).finally(destroy);
    expect(first).toMatchObject({ userId, balance: 3000 });
    expect(statements).toHaveLength(1);
    expect(await charge(a.url, userId, 3000, key)).toMatchObject({ status: 200, body: first });
    expect(await deployment.db('idempotency_keys').where({ user_id: userId, key })).toEqual([
      expect.objectContaining({ status: 'DONE', response_status: 200, response_body: first }),
    ]);
    expect(await deployment.expectBalanceIsLedgerSum(userId)).toBe(3000);
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
