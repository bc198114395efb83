import { AppError, TypedRoutes, type ServiceHandle } from '@ticketing/platform';
import {
  createHttpApp,
  createMetricsRegistry,
  listen,
  type RunningServer,
} from '@ticketing/platform/wiring';
import { Credentials } from '@ticketing/auth';
import {
  RedisAdmissionSource,
  TokenSigner,
  generatePassKeys,
  requireAdmitted,
} from '@ticketing/queue-pass';
import { captureLogs, eventually, identityToken, testInfra, uuid } from '@ticketing/testing';
import Redis from 'ioredis';
import { z } from 'zod';
import {
  KEY_PREFIX,
  join,
  knownConcert,
  passSigner,
  passVerifier,
  poll,
  startQueue,
} from './harness';

/**
 * The queue-pass check (libs/queue-pass, through libs/auth's credentials), as another service
 * mounts it, against passes the real queue service issued and admitted.
 */
describe('queue-gated routes (Credentials.queuePass + requireAdmitted)', () => {
  let queue: ServiceHandle;
  let paused: ServiceHandle;
  let protectedApi: RunningServer;
  let redis: Redis;
  let pausedRedis: Redis;

  beforeAll(async () => {
    queue = await startQueue({ QUEUE_ADMIT_PER_SECOND: '1000', QUEUE_MAX_ACTIVE: '100000' });
    paused = await startQueue({
      QUEUE_ADMIT_PER_SECOND: '0',
      REDIS_KEY_PREFIX: `${KEY_PREFIX}paused:`,
    });
    redis = new Redis(testInfra().redisUrl, { keyPrefix: KEY_PREFIX });
    pausedRedis = new Redis(testInfra().redisUrl, { keyPrefix: `${KEY_PREFIX}paused:` });
    const { logger } = captureLogs('protected');
    const { app, finish } = createHttpApp({
      service: 'protected',
      logger,
      metrics: createMetricsRegistry('protected'),
    });
    const passes = passVerifier();
    const credentials = new Credentials({ passes, admissions: new RedisAdmissionSource(redis) });
    const pausedCredentials = new Credentials({
      passes,
      admissions: new RedisAdmissionSource(pausedRedis),
    });
    const routes = new TypedRoutes(app)
      .add(
        {
          method: 'get',
          path: '/concerts/:concertId/things',
          operationId: 'getThing',
          summary: 'a thing of a concert',
          auth: credentials.queuePass,
          params: z.object({ concertId: z.coerce.number().int().positive() }),
          responses: {},
        },
        ({ params, caller }, _req, reply) => {
          requireAdmitted(caller, params.concertId);
          reply.send({
            userId: caller.userId,
            tokenId: caller.tokenId,
            concertId: caller.concertId,
          });
        },
      )
      .add(
        {
          method: 'get',
          path: '/anything',
          operationId: 'getAnything',
          summary: 'anything',
          auth: credentials.queuePass,
          responses: {},
        },
        ({ caller }, _req, reply) => {
          requireAdmitted(caller);
          reply.send({ userId: caller.userId });
        },
      )
      .add(
        {
          method: 'get',
          path: '/paused',
          operationId: 'getPaused',
          summary: 'paused',
          auth: pausedCredentials.queuePass,
          responses: {},
        },
        ({ caller }) => {
          requireAdmitted(caller);
          throw AppError.validation('unreachable');
        },
      );
    protectedApi = await listen(finish(routes.operations), 0);
  });
  afterAll(async () => {
    await protectedApi.close();
    redis.disconnect();
    pausedRedis.disconnect();
    await Promise.all([queue.stop(), paused.stop()]);
  });

  const call = async (path: string, token?: string) => {
    const res = await fetch(`${protectedApi.url}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  async function activeToken(concertId: number) {
    const userId = uuid();
    const { body } = await join(queue.url, userId, concertId);
    await eventually(async () =>
      expect((await poll(queue.url, body.token)).body.status).toBe('ACTIVE'),
    );
    return body;
  }

  it('when the token is ACTIVE, then the handler runs with its user, token and concert', async () => {
    const concertId = await knownConcert(queue);
    const token = await activeToken(concertId);
    const res = await call(`/concerts/${concertId}/things`, token.token);
    expect(res).toEqual({
      status: 200,
      body: { userId: token.userId, tokenId: token.tokenId, concertId },
    });
  });

  it('when an identity token is presented where a queue pass is needed, then 401 TOKEN_INVALID', async () => {
    expect(await call('/anything', await identityToken())).toMatchObject({
      status: 401,
      body: { code: 'TOKEN_INVALID' },
    });
  });

  it('when there is no token, then 401 TOKEN_MISSING', async () => {
    expect(await call('/anything')).toMatchObject({ status: 401, body: { code: 'TOKEN_MISSING' } });
  });

  it('when the token is forged (signed with another key), then 401 TOKEN_INVALID', async () => {
    const forged = await new TokenSigner(generatePassKeys().signingKey).sign(
      { userId: uuid(), tokenId: uuid(), concertId: 1 },
      60,
    );
    expect(await call('/anything', forged)).toMatchObject({
      status: 401,
      body: { code: 'TOKEN_INVALID' },
    });
  });

  it('when a validly signed token was never issued, then 401 TOKEN_INVALID', async () => {
    const unknown = await passSigner().sign({ userId: uuid(), tokenId: uuid(), concertId: 1 }, 60);
    expect(await call('/anything', unknown)).toMatchObject({
      status: 401,
      body: { code: 'TOKEN_INVALID' },
    });
  });

  it('when the token is still WAITING, then 403 TOKEN_NOT_ACTIVE with its position', async () => {
    const concertId = await knownConcert(paused);
    await join(paused.url, uuid(), concertId);
    const second = await join(paused.url, uuid(), concertId);
    expect(await call('/paused', second.body.token)).toMatchObject({
      status: 403,
      body: { code: 'TOKEN_NOT_ACTIVE', position: 2 },
    });
  });

  it("when the token is for another concert than the path's, then 403 FORBIDDEN", async () => {
    const concertA = await knownConcert(queue);
    const concertB = await knownConcert(queue);
    const token = await activeToken(concertA);
    expect(await call(`/concerts/${concertB}/things`, token.token)).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN' },
    });
  });

  it('when the user leaves the queue, then the same token answers 401 at once', async () => {
    const concertId = await knownConcert(queue);
    const token = await activeToken(concertId);
    expect((await call('/anything', token.token)).status).toBe(200);
    await fetch(`${queue.url}/queue/tokens/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token.token}` },
    });
    expect(await call('/anything', token.token)).toMatchObject({
      status: 401,
      body: { code: 'TOKEN_INVALID' },
    });
  });
});
