import { randomInt, randomUUID } from 'node:crypto';
import { providerTokens } from '@ticketing/testing';
import type autocannon from 'autocannon';
import Redis from 'ioredis';
import { jwksFetches } from '../identities';
import { runLoad, type LoadResult } from '../load';
import { serviceMain, startInstances } from '../processes';
import type { Row } from '../report';
import type { BenchContext } from '../context';
import { uniqueStamp } from '../stamps';

/**
 * Token issuance (POST /queue/tokens, each by a fan with an identity token of their own) and
 * status polling (GET /queue/tokens/me) at 100 connections, next to express doing the same
 * essential work in the same run: verifying an RS256 identity it has not seen and signing an
 * ES256 pass, and verifying that pass (servers/express-issuer). The hello-world ceilings are in
 * the notes.
 */
export async function queueScenario(ctx: BenchContext): Promise<Row[]> {
  const prefix = `bench-${uniqueStamp()}:`;
  const queue = await startInstances(
    'queue',
    serviceMain('queue'),
    {
      ...ctx.serviceEnv,
      ...ctx.queueEnv,
      REDIS_KEY_PREFIX: prefix,
      QUEUE_ADMIT_PER_SECOND: '100',
      QUEUE_MAX_ACTIVE: '1000',
    },
    ctx.instances,
  );
  const redis = new Redis(ctx.infra.redisUrl, { keyPrefix: prefix });
  try {
    const concertId = randomInt(1, 2 ** 31);
    await redis.sadd('queue:known-concerts', concertId);
    // Distinct fans, each with an access token as the development provider issues them (signed
    // with its key beforehand: signing is the provider's cost, not the queue's).
    const identities = await providerTokens(
      Array.from({ length: ctx.smoke ? 300 : 25_000 }, () => randomUUID()),
      ctx.identityProvider,
    );
    let nextFan = 0;
    const joinRequest: autocannon.Request = {
      method: 'POST',
      path: '/queue/tokens',
      setupRequest: (req) => ({
        ...req,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${identities[nextFan++ % identities.length]}`,
        },
        body: JSON.stringify({ concertId }),
      }),
    };
    // Each instance has fetched the provider's keys once before the clock starts.
    for (const url of queue.urls)
      await fetch(`${url}/queue/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${identities[0]}` },
        body: JSON.stringify({ concertId }),
      });
    const fetchesBefore = await jwksFetches(queue.urls);
    const issueStarted = Date.now();
    const issue = await runLoad({
      label: 'POST /queue/tokens',
      url: queue.urls,
      connections: 100,
      durationSeconds: ctx.seconds,
      requests: [joinRequest],
    });
    const fetchesPerMinute =
      ((await jwksFetches(queue.urls)) - fetchesBefore) / ((Date.now() - issueStarted) / 60_000);
    const issuerPost = await ctx.ceilings.expressIssuer(
      'express POST: RS256 identity verified, ES256 pass signed',
      joinRequest,
    );
    const expressPost = await ctx.ceilings.expressPost();
    const fastifyPost = await ctx.ceilings.fastifyPost();

    // Poll with tokens of many users (a realistic mix of positions).
    const tokens: string[] = [];
    for (let i = 0; i < (ctx.smoke ? 50 : 2000); i += 50) {
      const batch = await Promise.all(
        identities.slice(i, i + 50).map(async (identity) => {
          const res = await fetch(`${queue.urls[0]}/queue/tokens`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${identity}` },
            body: JSON.stringify({ concertId }),
          });
          return ((await res.json()) as { token: string }).token;
        }),
      );
      tokens.push(...batch);
    }
    let next = 0;
    const pollRequest: autocannon.Request = {
      method: 'GET',
      path: '/queue/tokens/me',
      setupRequest: (req) => ({
        ...req,
        headers: { authorization: `Bearer ${tokens[next++ % tokens.length]}` },
      }),
    };
    const poll = await runLoad({
      label: 'GET /queue/tokens/me',
      url: queue.urls,
      connections: 100,
      durationSeconds: ctx.seconds,
      requests: [pollRequest],
    });
    const issuerGet = await ctx.ceilings.expressIssuer(
      'express GET: ES256 pass verified',
      pollRequest,
    );
    const expressGet = await ctx.ceilings.expressGet();
    const fastifyGet = await ctx.ceilings.fastifyGet();
    const fixedRate = ctx.smoke ? 200 : 2000;
    const pollOpen = await runLoad({
      label: `GET /queue/tokens/me @ ${fixedRate}/s`,
      url: queue.urls,
      connections: 100,
      durationSeconds: ctx.seconds,
      overallRate: fixedRate,
      requests: [pollRequest],
    });
    const issueOpen = await runLoad({
      label: `POST /queue/tokens @ ${fixedRate / 2}/s`,
      url: queue.urls,
      connections: 100,
      durationSeconds: ctx.seconds,
      overallRate: fixedRate / 2,
      requests: [joinRequest],
    });
    const share = (a: number, b: number) => (b > 0 ? a / b : 0);
    const pct = (a: LoadResult, b: LoadResult) =>
      `${(100 * share(a.requestsPerSecond, b.requestsPerSecond)).toFixed(0)}%`;
    return [
      {
        scenario: 'queue: token issuance, max',
        measured: issue,
        ceiling: issuerPost,
        target: '≥ 75% of express doing its cryptography',
        met: share(issue.requestsPerSecond, issuerPost.requestsPerSecond) >= 0.75,
        notes: `${pct(issue, expressPost)} of express hello POST (${expressPost.requestsPerSecond}/s); ${pct(issue, fastifyPost)} of fastify POST (${fastifyPost.requestsPerSecond}/s); ${identities.length} distinct fans, every join verifies an identity token not seen before (RS256); JWKS fetches per minute under this load: ${fetchesPerMinute.toFixed(2)}`,
      },
      {
        scenario: 'queue: status polling, max',
        measured: poll,
        ceiling: issuerGet,
        target: '≥ 75% of express verifying the pass',
        met: share(poll.requestsPerSecond, issuerGet.requestsPerSecond) >= 0.75,
        notes: `${pct(poll, expressGet)} of express hello GET (${expressGet.requestsPerSecond}/s); ${pct(poll, fastifyGet)} of fastify GET (${fastifyGet.requestsPerSecond}/s)`,
      },
      {
        scenario: 'queue: issuance, open loop',
        measured: issueOpen,
        target: 'p99 ≤ 25 ms',
        met: issueOpen.p99Ms <= 25,
      },
      {
        scenario: 'queue: polling, open loop',
        measured: pollOpen,
        target: 'p99 ≤ 25 ms',
        met: pollOpen.p99Ms <= 25,
      },
    ];
  } finally {
    await redis.del('queue:known-concerts');
    redis.disconnect();
    await queue.stop();
  }
}
