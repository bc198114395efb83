// Long, and one file on purpose: every test runs on one system of separate processes (the
// costliest set-up there is after the fault suites'), and the last one checks what all the others
// did to it (each service fetched the provider's keys about once, forged and foreign tokens and
// all). Split, each part would start a system of its own and that check would see a part only.
import { randomUUID } from 'node:crypto';
import {
  eventually,
  identityToken,
  metricValue,
  testInfra,
  tokenSignedByProvider,
  uuid,
} from '@ticketing/testing';
import { SignJWT, generateKeyPair } from 'jose';
import { Cluster } from '../cluster';
import { expectSagaInvariants } from '../invariants';
import { newFan, type Fan } from '../system-setup';

/**
 * API.md's "Identity" through the gateway, with every service as its own process and the real
 * development OpenID provider: who may call what, and what a forged or foreign credential gets.
 */
describe('identity, through the gateway', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ instances: 1 });
  }, 120_000);
  afterAll(async () => {
    try {
      await expectSagaInvariants(cluster);
    } finally {
      await cluster?.stop();
    }
  });

  const wallet = (fan: Fan, token = fan.identity) =>
    cluster.call('GET', 'wallet', `/wallets/${fan.userId}`, token);

  /** A fan with an ACTIVE pass, a funded wallet and a HELD seat. */
  async function fanWithHold(balance = 100_000) {
    const schedule = await cluster.bookableSchedule(40_000);
    const fan = await cluster.activeFan(schedule.concertId);
    await cluster.call('POST', 'wallet', `/wallets/${fan.userId}/charges`, fan.identity, {
      amount: balance,
    });
    const hold = await cluster.call('POST', 'reservation', '/reservations', fan.token, {
      scheduleId: schedule.scheduleId,
      seatNo: 1 + Math.floor(Math.random() * 50),
    });
    expect(hold.status).toBe(201);
    return { ...fan, ...schedule, reservationId: hold.body.reservationId as string };
  }

  describe('a token the provider did not issue as it stands', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const claims = (fan: Fan) => ({
      sub: fan.userId,
      iss: testInfra().oidcIssuer,
      aud: 'ticketing',
    });

    it.each<[string, (fan: Fan) => Promise<string>]>([
      [
        'a forged signature',
        async (fan) => {
          const [h, p, sig] = fan.identity.split('.');
          const flipped = `${sig![0] === 'A' ? 'B' : 'A'}${sig!.slice(1)}`;
          return `${h}.${p}.${flipped}`;
        },
      ],
      [
        'alg: none',
        async (fan) => {
          const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString(
            'base64url',
          );
          const payload = Buffer.from(
            JSON.stringify({ ...claims(fan), exp: now() + 600 }),
          ).toString('base64url');
          return `${header}.${payload}.`;
        },
      ],
      [
        'HS256 signed with a guessed secret',
        async (fan) =>
          new SignJWT(claims(fan))
            .setProtectedHeader({ alg: 'HS256' })
            .setExpirationTime(now() + 600)
            .sign(new TextEncoder().encode('dev')),
      ],
      [
        'the wrong issuer',
        (fan) => tokenSignedByProvider({ ...claims(fan), iss: 'https://evil.example/default' }),
      ],
      ['the wrong audience', (fan) => tokenSignedByProvider({ ...claims(fan), aud: 'billing' })],
      [
        'an expiry more than 30 s ago',
        (fan) => tokenSignedByProvider({ ...claims(fan), exp: now() - 60 }),
      ],
      [
        'a key the provider never published (unknown kid)',
        async (fan) => {
          const { privateKey } = await generateKeyPair('RS256');
          return new SignJWT(claims(fan))
            .setProtectedHeader({ alg: 'RS256', kid: randomUUID() })
            .setExpirationTime(now() + 600)
            .sign(privateKey);
        },
      ],
      [
        'the type of another token (typ: logout+jwt, signed by the provider)',
        (fan) =>
          tokenSignedByProvider(
            { ...claims(fan), exp: now() + 600 },
            testInfra().oidcKeysFile,
            'logout+jwt',
          ),
      ],
      [
        'a subject no user id can be (signed by the provider)',
        (fan) => tokenSignedByProvider({ ...claims(fan), sub: 'bob smith' }),
      ],
    ])('when the identity token has %s, then 401 TOKEN_INVALID', async (_what, forge) => {
      const fan = await newFan();
      const res = await wallet(fan, await forge(fan));
      expect(res).toMatchObject({ status: 401, body: { code: 'TOKEN_INVALID' } });
    });

    it('when the token expired less than 30 s ago (clock skew), then it is still accepted', async () => {
      const fan = await newFan();
      const res = await wallet(
        fan,
        await tokenSignedByProvider({ ...claims(fan), exp: now() - 10 }),
      );
      expect(res).toMatchObject({ status: 200, body: { userId: fan.userId, balance: 0 } });
    });

    it('when there is no token, then 401 TOKEN_MISSING', async () => {
      const fan = await newFan();
      expect((await cluster.call('GET', 'wallet', `/wallets/${fan.userId}`)).body.code).toBe(
        'TOKEN_MISSING',
      );
    });
  });

  it("when user A's identity reaches user B's wallet, reservation, payment and saga, then 403 and nothing changes", async () => {
    const b = await fanWithHold();
    const paid = await cluster.call(
      'POST',
      'payment',
      '/payments',
      b.token,
      { reservationId: b.reservationId },
      { prefer: 'wait=20' },
    );
    expect(paid.body.status).toBe('COMPLETED');
    const paymentId = paid.body.paymentId as string;
    const a = await newFan();
    const as = (
      method: string,
      service: Parameters<Cluster['call']>[1],
      path: string,
      body?: unknown,
    ) => cluster.call(method, service, path, a.identity, body);

    const before = await wallet(b);
    for (const [method, service, path, body] of [
      ['POST', 'wallet', `/wallets/${b.userId}/charges`, { amount: 1000 }],
      ['GET', 'wallet', `/wallets/${b.userId}`],
      ['GET', 'wallet', `/wallets/${b.userId}/transactions`],
      ['GET', 'reservation', `/reservations/${b.reservationId}`],
      ['GET', 'payment', `/payments/${paymentId}`],
      ['GET', 'payment', `/payments/${paymentId}/saga`],
    ] as const) {
      const res = await as(method, service, path, body);
      expect({ method, path, status: res.status, code: res.body.code }).toEqual({
        method,
        path,
        status: 403,
        code: 'FORBIDDEN',
      });
    }
    expect(await wallet(b)).toEqual(expect.objectContaining({ body: before.body }));
    // Someone else's reservation simply has none of A's payments.
    expect((await as('GET', 'payment', `/payments?reservationId=${b.reservationId}`)).body).toEqual(
      { items: [] },
    );
    // A's "my tickets" holds nothing of B's.
    expect((await as('GET', 'reservation', '/reservations?status=CONFIRMED')).body).toEqual({
      items: [],
    });
    // An operator may read any saga.
    const admin = await identityToken(uuid(), { admin: true });
    // The saga ends (DONE) once the queue acknowledges the spent pass, shortly after COMPLETED.
    await eventually(async () => {
      const saga = await cluster.call('GET', 'payment', `/payments/${paymentId}/saga`, admin);
      expect(saga).toMatchObject({ status: 200, body: { paymentId, state: 'DONE' } });
    });
  });

  it("when a caller tries another user's paid reservation, or ids with a waiting pass, then 403 before state or existence (API.md's order)", async () => {
    const b = await fanWithHold();
    const paid = await cluster.call(
      'POST',
      'payment',
      '/payments',
      b.token,
      { reservationId: b.reservationId },
      { prefer: 'wait=20' },
    );
    expect(paid.body.status).toBe('COMPLETED');
    // Another fan, admitted to the same concert, tries to pay B's reservation.
    const a = await cluster.activeFan(b.concertId);
    const paying = await cluster.call('POST', 'payment', '/payments', a.token, {
      reservationId: b.reservationId,
    });
    expect(paying).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });

    // A fan still waiting (booking opens tomorrow) reads ids, existing or not.
    const later = await cluster.bookableSchedule(40_000, new Date(Date.now() + 86_400_000));
    const waiting = await newFan();
    const joined = await eventually(
      async () => {
        const res = await cluster.call('POST', 'queue', '/queue/tokens', waiting.identity, {
          concertId: later.concertId,
        });
        expect(res.status).toBe(201);
        return res.body as { token: string };
      },
      { timeoutMs: 30_000 },
    );
    for (const [method, service, path] of [
      ['GET', 'reservation', `/reservations/${randomUUID()}`],
      ['GET', 'reservation', `/reservations/${b.reservationId}`],
      ['DELETE', 'reservation', `/reservations/${randomUUID()}`],
      ['GET', 'payment', `/payments/${randomUUID()}`],
      ['GET', 'payment', `/payments/${paid.body.paymentId as string}`],
    ] as const) {
      const res = await cluster.call(method, service, path, joined.token);
      expect({ method, path, status: res.status, code: res.body.code }).toEqual({
        method,
        path,
        status: 403,
        code: 'TOKEN_NOT_ACTIVE',
      });
    }
  });

  it("when a fan's POST /payments answer is lost, then their identity alone finds the COMPLETED payment and the CONFIRMED reservation", async () => {
    const fan = await fanWithHold();
    // The request is sent; its answer never reaches the client.
    await cluster.call('POST', 'payment', '/payments', fan.token, {
      reservationId: fan.reservationId,
    });
    // The saga completes and spends the queue pass: it can no longer be used to ask.
    await eventually(
      async () =>
        expect(
          (
            await cluster.call(
              'GET',
              'reservation',
              `/reservations/${fan.reservationId}`,
              fan.token,
            )
          ).status,
        ).toBe(401),
      { timeoutMs: 30_000 },
    );
    const payments = await cluster.call(
      'GET',
      'payment',
      `/payments?reservationId=${fan.reservationId}`,
      fan.identity,
    );
    expect(payments.status).toBe(200);
    expect(payments.body.items).toEqual([
      expect.objectContaining({
        reservationId: fan.reservationId,
        userId: fan.userId,
        status: 'COMPLETED',
        amount: 40_000,
      }),
    ]);
    const paymentId = (payments.body.items as { paymentId: string }[])[0]!.paymentId;
    expect(
      (await cluster.call('GET', 'payment', `/payments/${paymentId}`, fan.identity)).body.status,
    ).toBe('COMPLETED');
    expect(
      (await cluster.call('GET', 'payment', `/payments/${paymentId}/saga`, fan.identity)).status,
    ).toBe(200);
    const reservation = await cluster.call(
      'GET',
      'reservation',
      `/reservations/${fan.reservationId}`,
      fan.identity,
    );
    expect(reservation.body).toMatchObject({
      status: 'CONFIRMED',
      userId: fan.userId,
      concertId: fan.concertId,
    });
    const tickets = await cluster.call(
      'GET',
      'reservation',
      '/reservations?status=CONFIRMED',
      fan.identity,
    );
    expect(tickets.body.items).toEqual([
      expect.objectContaining({ reservationId: fan.reservationId, status: 'CONFIRMED' }),
    ]);
  });

  it('when a fan joins with a body userId that is not theirs, then 403 and they are not queued', async () => {
    const { concertId } = await cluster.bookableSchedule();
    const fan = await newFan();
    const res = await cluster.call('POST', 'queue', '/queue/tokens', fan.identity, {
      concertId,
      userId: uuid(),
    });
    expect(res).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const own = await cluster.call('POST', 'queue', '/queue/tokens', fan.identity, { concertId });
    expect(own).toMatchObject({ status: 201, body: { userId: fan.userId } });
  });

  it("when a fan's pass of concert A reaches their reservation or payment of concert B, then 403 and nothing changes", async () => {
    const b = await fanWithHold();
    const other = await cluster.bookableSchedule();
    const passA = await cluster.activeFan(other.concertId, b);
    const path = `/reservations/${b.reservationId}`;
    for (const method of ['GET', 'DELETE'])
      expect(await cluster.call(method, 'reservation', path, passA.token)).toMatchObject({
        status: 403,
        body: { code: 'FORBIDDEN' },
      });
    expect((await cluster.call('GET', 'reservation', path, b.token)).body.status).toBe('HELD');
    // Paying for B's seat with A's pass: the saga refuses the seat of another concert.
    const paid = await cluster.call(
      'POST',
      'payment',
      '/payments',
      passA.token,
      { reservationId: b.reservationId },
      { prefer: 'wait=20' },
    );
    expect(paid.body).toMatchObject({ status: 'FAILED', failureCode: 'FORBIDDEN' });
    expect((await cluster.call('GET', 'reservation', path, b.token)).body.status).toBe('HELD');
    expect((await wallet(b)).body.balance).toBe(100_000);
  });

  it('when a spent or revoked pass leaves the queue again, then 401', async () => {
    const { concertId } = await cluster.bookableSchedule();
    const fan = await cluster.activeFan(concertId);
    expect((await cluster.call('DELETE', 'queue', '/queue/tokens/me', fan.token)).status).toBe(204);
    expect(await cluster.call('DELETE', 'queue', '/queue/tokens/me', fan.token)).toMatchObject({
      status: 401,
      body: { code: 'TOKEN_INVALID' },
    });
  });

  it('when a credential of the wrong kind is used, then 401 TOKEN_INVALID', async () => {
    const { concertId, scheduleId } = await cluster.bookableSchedule();
    const fan = await cluster.activeFan(concertId);
    const seats = `/concerts/${concertId}/schedules/${scheduleId}/seats`;
    expect((await cluster.call('GET', 'concert', seats, fan.identity)).body.code).toBe(
      'TOKEN_INVALID',
    );
    expect(
      (await cluster.call('POST', 'queue', '/queue/tokens', fan.token, { concertId })).body.code,
    ).toBe('TOKEN_INVALID');
    expect((await wallet(fan, fan.token)).body.code).toBe('TOKEN_INVALID');
  });

  it('when /docs authorises with client credentials (as Swagger UI sends them), then it gets a token the services accept', async () => {
    const userId = uuid();
    const doc = (await (await fetch(`${cluster.url}/docs/openapi.json`)).json()) as {
      components: {
        securitySchemes: Record<string, { flows?: { clientCredentials?: { tokenUrl: string } } }>;
      };
    };
    const tokenUrl = doc.components.securitySchemes.identity!.flows!.clientCredentials!.tokenUrl;
    expect(tokenUrl).toBe('/docs/oauth/token');
    const res = await fetch(`${cluster.url}${tokenUrl}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${userId}:dev`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials&scope=',
    });
    const body = (await res.json()) as { access_token: string };
    expect(res.status).toBe(200);
    const balance = await cluster.call('GET', 'wallet', `/wallets/${userId}`, body.access_token);
    expect(balance).toMatchObject({ status: 200, body: { userId, balance: 0 } });
  });

  it('when the identity check has run under all of this, then the services fetched the JWKS about once each', async () => {
    for (const name of ['wallet', 'payment', 'reservation', 'queue'] as const) {
      const fetches = await metricValue(
        cluster.instances[name][0]!.url,
        'identity_jwks_fetches_total',
      );
      // The first fetch, and at most one more per unknown kid after the cooldown.
      expect({ name, fetches: fetches <= 3 }).toEqual({ name, fetches: true });
    }
  });
});
