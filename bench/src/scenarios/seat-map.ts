import { dropDatabase, ensureDatabase, withDatabase } from '@ticketing/platform/wiring';
import type autocannon from 'autocannon';
import { activeFans } from '../fans';
import { runLoad, type LoadResult } from '../load';
import { serviceMain, startInstances } from '../processes';
import type { Row } from '../report';
import type { BenchContext } from '../context';
import { publishConcert } from '../system';
import { benchTopics } from '../topics';
import { uniqueStamp } from '../stamps';

/**
 * The hottest read: GET /concerts/{c}/schedules/{s}/seats (a date published through the admin
 * API) by 100 fans with ACTIVE tokens, next to the express GET ceiling of the same run.
 */
export async function seatMapScenario(ctx: BenchContext): Promise<Row[]> {
  const stamp = uniqueStamp();
  const prefix = `bench-${stamp}:`;
  const databaseUrl = withDatabase(ctx.infra.databaseUrl, `bench_concert_${stamp}`);
  await ensureDatabase(databaseUrl);
  const topics = await benchTopics(ctx.infra.kafkaBrokers, stamp);
  const service = await startInstances(
    'concert',
    serviceMain('concert'),
    {
      ...ctx.serviceEnv,
      DATABASE_URL: databaseUrl,
      REDIS_KEY_PREFIX: prefix,
      KAFKA_TOPIC_PREFIX: topics.ns.prefix,
      KAFKA_CONSUMER_GROUP: `concert-bench-${stamp}`,
      DB_POOL_MAX: String(ctx.poolSize),
    },
    ctx.instances,
  );
  try {
    const { concertId, schedules } = await publishConcert(ctx, service.urls[0]!, {
      dates: 1,
      price: 99_000,
    });
    const scheduleId = schedules[0]!.scheduleId;
    const fans = await activeFans(ctx, { keyPrefix: prefix, concertId, count: 100 });
    const request: autocannon.Request = {
      method: 'GET',
      path: `/concerts/${concertId}/schedules/${scheduleId}/seats`,
      setupRequest: (req) => ({
        ...req,
        headers: { authorization: fans.nextAuthorization() },
      }),
    };
    const measured = await runLoad({
      label: 'GET seats',
      url: service.urls,
      connections: 100,
      durationSeconds: ctx.seconds,
      requests: [request],
    });
    // A fan's app polling with the ETag of the map it has: 304 and no body while nothing changed.
    const path = `/concerts/${concertId}/schedules/${scheduleId}/seats`;
    const etag = (
      await fetch(`${service.urls[0]}${path}`, {
        headers: { authorization: fans.nextAuthorization() },
      })
    ).headers.get('etag')!;
    const revalidated = await runLoad({
      label: 'GET seats, If-None-Match',
      url: service.urls,
      connections: 100,
      durationSeconds: ctx.seconds,
      requests: [
        {
          method: 'GET',
          path,
          setupRequest: (req) => ({
            ...req,
            headers: { authorization: fans.nextAuthorization(), 'if-none-match': etag },
          }),
        },
      ],
    });
    const expressGet = await ctx.ceilings.expressGet();
    const fastifyGet = await ctx.ceilings.fastifyGet();
    const ofFastify = (r: LoadResult) =>
      `${((100 * r.requestsPerSecond) / Math.max(1, fastifyGet.requestsPerSecond)).toFixed(0)}% of fastify GET (${fastifyGet.requestsPerSecond}/s)`;
    return [
      {
        scenario: 'concert: seat map (50 seats), max',
        measured,
        ceiling: expressGet,
        target: '≥ 60% of express GET',
        met: measured.requestsPerSecond >= 0.6 * expressGet.requestsPerSecond,
        notes: `${ofFastify(measured)}; queue pass from memory (revoked by pub/sub), the map from memory (refreshed by the projection’s NOTIFY), serialized once per version`,
      },
      {
        scenario: 'concert: seat map polled with its ETag (304), max',
        measured: revalidated,
        ceiling: expressGet,
        notes: `${ofFastify(revalidated)}; non-2xx are the 304s: ${revalidated.non2xx} of ${revalidated.total}`,
      },
    ];
  } finally {
    await service.stop();
    await topics.remove();
    await dropDatabase(databaseUrl).catch(() => undefined);
  }
}
