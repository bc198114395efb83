import { randomInt } from 'node:crypto';
import path from 'node:path';
import { ROOT } from '@ticketing/infra';
import type autocannon from 'autocannon';
import Redis from 'ioredis';
import type { BenchContext } from '../context';
import { cpuBreakdown, pidsMatching } from '../cpu';
import { activeFans } from '../fans';
import { runLoad, type LoadResult } from '../load';
import { serviceMain, startInstances, type Instances } from '../processes';
import type { Row } from '../report';
import { uniqueStamp } from '../stamps';

/**
 * What the gateway costs per request, and what its per-client budgets add (ADR 0010): queue
 * polling by 1,000 fans straight to the queue service (the ceiling), through the gateway with
 * budgets off, and with budgets on (large enough that nobody is refused: the cost of verifying
 * the pass and spending the budget in Redis); then one client far over its budget (the cost of
 * a refusal). CPU per request is the gateway's and Redis's own, from /proc.
 */
export async function gatewayScenario(ctx: BenchContext): Promise<Row[]> {
  const prefix = `bench-gw-${uniqueStamp()}:`;
  const queue = await startInstances(
    'queue',
    serviceMain('queue'),
    { ...ctx.serviceEnv, ...ctx.queueEnv, REDIS_KEY_PREFIX: prefix },
    ctx.instances,
  );
  const redis = new Redis(ctx.infra.redisUrl, { keyPrefix: prefix });
  try {
    const concertId = randomInt(1, 2 ** 31);
    await redis.sadd('queue:known-concerts', concertId);
    const fans = await activeFans(ctx, { keyPrefix: prefix, concertId, count: 1000 });
    const poll = (authorization: () => string): autocannon.Request => ({
      method: 'GET',
      path: '/queue/tokens/me',
      setupRequest: (req) => ({ ...req, headers: { authorization: authorization() } }),
    });
    const load = (label: string, url: string[], request: autocannon.Request) =>
      runLoad({ label, url, connections: 100, durationSeconds: ctx.seconds, requests: [request] });

    const direct = await load(
      'GET /queue/tokens/me, direct',
      queue.urls,
      poll(fans.nextAuthorization),
    );
    const throughGateway = async (
      label: string,
      env: Record<string, string>,
      authorization: () => string,
    ) => {
      const gateway = await startGateway(ctx, queue, { ...env, REDIS_KEY_PREFIX: prefix });
      try {
        const pid = gateway.procs[0]!.child.pid!;
        const { result, seconds } = await cpuBreakdown(
          { gateway: () => [pid], redis: () => pidsMatching('redis-server') },
          () => load(label, gateway.urls, poll(authorization)),
        );
        return { result, perRequestUs: perRequest(seconds, result) };
      } finally {
        await gateway.stop();
      }
    };
    const off = await throughGateway(
      'via gateway, budgets off',
      { GATEWAY_RATE_LIMIT: 'false' },
      fans.nextAuthorization,
    );
    const on = await throughGateway(
      'via gateway, budgets on',
      { GATEWAY_POLL_PER_SECOND: '100000', GATEWAY_POLL_BURST: '1000000' },
      fans.nextAuthorization,
    );
    const bot = fans.nextAuthorization();
    const refused = await throughGateway('one client over its budget', {}, () => bot);
    const us = (n: number) => `${n.toFixed(0)} µs`;
    return [
      { scenario: 'gateway: queue polling straight to the service (ceiling)', measured: direct },
      {
        scenario: 'gateway: queue polling through the gateway, budgets off',
        measured: off.result,
        ceiling: direct,
        notes: `CPU per request: gateway ${us(off.perRequestUs.gateway)}, Redis ${us(off.perRequestUs.redis)}`,
      },
      {
        scenario: 'gateway: the same, budgets on (verified pass, bucket in Redis)',
        measured: on.result,
        ceiling: off.result,
        notes: `CPU per request: gateway ${us(on.perRequestUs.gateway)}, Redis ${us(on.perRequestUs.redis)}; the budget adds ${us(on.perRequestUs.gateway - off.perRequestUs.gateway)} (gateway) + ${us(on.perRequestUs.redis - off.perRequestUs.redis)} (Redis)`,
      },
      {
        scenario: 'gateway: one client over its budget (429s)',
        measured: refused.result,
        notes: `${refused.result.non2xx} of ${refused.result.total} refused with 429; CPU per request: gateway ${us(refused.perRequestUs.gateway)}, Redis ${us(refused.perRequestUs.redis)}`,
      },
    ];
  } finally {
    redis.disconnect();
    await queue.stop();
  }
}

function startGateway(ctx: BenchContext, queue: Instances, env: Record<string, string>) {
  return startInstances(
    'gateway',
    path.join(ROOT, 'gateway/dist/src/main.js'),
    { ...ctx.serviceEnv, QUEUE_URLS: queue.urls.join(','), ...env },
    1,
    '/health/live',
    'GATEWAY_PORT',
  );
}

function perRequest(seconds: Record<string, number>, run: LoadResult) {
  const n = Math.max(1, run.total);
  return { gateway: (1e6 * seconds.gateway!) / n, redis: (1e6 * seconds.redis!) / n };
}
