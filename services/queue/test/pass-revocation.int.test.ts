import { openAuth } from '@ticketing/auth';
import { TOPICS, queue as queueContracts } from '@ticketing/contracts';
import { buildMessage } from '@ticketing/messaging';
import { requireAdmitted } from '@ticketing/queue-pass';
import { TypedRoutes, type ServiceHandle } from '@ticketing/platform';
import {
  StopList,
  createHttpApp,
  createMetricsRegistry,
  listen,
  type RunningServer,
} from '@ticketing/platform/wiring';
import {
  TopicCapture,
  captureLogs,
  eventually,
  testInfra,
  testPassKeys,
  uuid,
} from '@ticketing/testing';
import {
  KEY_PREFIX,
  join,
  knownConcert,
  poll,
  sendToQueue,
  startQueue,
  topicNamespace,
} from './harness';

/**
 * The queue-pass check of the queue-gated services answers ACTIVE from each instance's memory;
 * a pass that ends early (the fan leaves, or a payment spends it) is announced by the queue and
 * refused by every instance at once, long before the memory would have aged out.
 */
describe('queue passes remembered per instance, revoked across instances', () => {
  let queue: ServiceHandle;
  const instances: { server: RunningServer; stops: StopList; checks: () => Promise<string> }[] = [];

  // A queue-gated service as the others wire it (openAuth), remembering passes for 60 s.
  async function gatedInstance() {
    const { logger } = captureLogs('gated');
    const stops = new StopList(logger);
    const metrics = createMetricsRegistry('gated');
    const auth = await openAuth(
      { logger, stops, metrics },
      {
        queuePass: {
          REDIS_URL: testInfra().redisUrl,
          REDIS_KEY_PREFIX: KEY_PREFIX,
          QUEUE_PASS_PUBLIC_KEYS: JSON.parse(testPassKeys().publicKeys),
          QUEUE_PASS_CACHE_MS: 60_000,
        },
      },
    );
    const { app, finish } = createHttpApp({ service: 'gated', logger, metrics });
    const routes = new TypedRoutes(app).add(
      {
        method: 'get',
        path: '/gated',
        operationId: 'getGated',
        summary: 'gated',
        auth: auth.credentials.queuePass,
        responses: {},
      },
      ({ caller }, _req, reply) => {
        requireAdmitted(caller);
        reply.send({ userId: caller.userId });
      },
    );
    const server = await listen(finish(routes.operations), 0);
    stops.add('http', () => server.close());
    return {
      server,
      stops,
      checks: () => metrics.getSingleMetricAsString('queue_pass_checks_total'),
    };
  }

  let queueEvents: TopicCapture;

  beforeAll(async () => {
    queue = await startQueue({ QUEUE_ADMIT_PER_SECOND: '1000', QUEUE_MAX_ACTIVE: '100000' });
    instances.push(await gatedInstance(), await gatedInstance());
    queueEvents = await TopicCapture.start([(await topicNamespace()).name(TOPICS.queueEvents)]);
  });
  afterAll(async () => {
    await queueEvents?.stop();
    await Promise.all(instances.map((i) => i.stops.stopAll()));
    await queue.stop();
  });

  /** What the saga sends when a payment completes (queue.expire-token), and the queue's answer. */
  async function expireToken(place: { userId: string; tokenId: string; concertId: number }) {
    const answers = () =>
      queueEvents.where(
        (m) =>
          m.envelope?.type === 'queue.token-expired' &&
          (m.envelope.data as { tokenId: string }).tokenId === place.tokenId,
      );
    const before = answers().length;
    const paymentId = uuid();
    await sendToQueue(
      buildMessage(
        queueContracts.expireToken,
        { ...place, paymentId },
        { source: 'test', correlationId: paymentId },
      ),
    );
    await eventually(() => expect(answers()).toHaveLength(before + 1), { timeoutMs: 30_000 });
    return answers().at(-1)!.envelope!.data as { removed: boolean };
  }

  const call = (server: RunningServer, token: string) =>
    fetch(`${server.url}/gated`, { headers: { authorization: `Bearer ${token}` } }).then(
      async (res) => ({ status: res.status, body: (await res.json()) as { code?: string } }),
    );

  async function activePass() {
    const concertId = await knownConcert(queue);
    const { body } = await join(queue.url, uuid(), concertId);
    await eventually(async () =>
      expect((await poll(queue.url, body.token)).body.status).toBe('ACTIVE'),
    );
    return body.token;
  }

  it('when a pass was seen ACTIVE, then the next calls are answered from memory', async () => {
    const pass = await activePass();
    for (let i = 0; i < 5; i++) expect((await call(instances[0]!.server, pass)).status).toBe(200);
    expect(await instances[0]!.checks()).toMatch(/answered="memory"[^\n]* [4-9]\d*/);
  });

  it('when the fan leaves the queue, then every instance that remembered the pass refuses it', async () => {
    const pass = await activePass();
    for (const { server } of instances) expect((await call(server, pass)).status).toBe(200);
    const left = await fetch(`${queue.url}/queue/tokens/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${pass}` },
    });
    expect(left.status).toBe(204);
    // Memory would keep the pass for 60 s: only the revocation can make this pass in time.
    await eventually(
      async () => {
        for (const { server } of instances)
          expect(await call(server, pass)).toMatchObject({
            status: 401,
            body: { code: 'TOKEN_INVALID' },
          });
      },
      { timeoutMs: 5000 },
    );
  });

  it('when a payment spends the pass (the saga expires it), then every instance refuses it', async () => {
    const pass = await activePass();
    for (const { server } of instances) expect((await call(server, pass)).status).toBe(200);
    const claims = JSON.parse(Buffer.from(pass.split('.')[1]!, 'base64url').toString()) as {
      cid: number;
      jti: string;
      sub: string;
    };
    const place = { userId: claims.sub, tokenId: claims.jti, concertId: claims.cid };
    expect(await expireToken(place)).toMatchObject({ removed: true });
    expect(await expireToken(place)).toMatchObject({ removed: false }); // a repeat changes nothing
    await eventually(
      async () => {
        for (const { server } of instances) expect((await call(server, pass)).status).toBe(401);
      },
      { timeoutMs: 5000 },
    );
  });

  it('when the only pass an instance remembers is revoked, then it is refused there, and a new one is remembered', async () => {
    const alone = await gatedInstance(); // remembers nothing yet
    instances.push(alone);
    const pass = await activePass();
    expect((await call(alone.server, pass)).status).toBe(200);
    const left = await fetch(`${queue.url}/queue/tokens/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${pass}` },
    });
    expect(left.status).toBe(204);
    await eventually(async () => expect((await call(alone.server, pass)).status).toBe(401), {
      timeoutMs: 5000,
    });
    const next = await activePass();
    for (let i = 0; i < 3; i++) expect((await call(alone.server, next)).status).toBe(200);
    expect(await alone.checks()).toMatch(/answered="memory"[^\n]* [2-9]\d*/);
  });
});
