import { cpus } from 'node:os';
import { generateIdentityProofKey } from '@ticketing/auth';
import { generatePassKeys } from '@ticketing/queue-pass';
import path from 'node:path';
import {
  exitOnError,
  foreignNodeProblem,
  infraUp,
  instancesFromEnv,
  settingsFromEnv,
  startOwnOidcProvider,
  ROOT,
} from '@ticketing/infra';
import { dropDatabase, ensureDatabase, withDatabase } from '@ticketing/platform/wiring';
import { ConfigError, DB_POOL_MAX_DEFAULT, becomesTrue } from '@ticketing/platform';
import type autocannon from 'autocannon';
import type { BenchContext } from './context';
import { runLoad, smokeMode } from './load';
import { benchServer, startInstances } from './processes';
import { markdown, writeResults, type Row } from './report';
import { gatewayScenario } from './scenarios/gateway';
import { holdStormScenario } from './scenarios/hold-storm';
import { identityScenario } from './scenarios/identity';
import { idleScenario } from './scenarios/idle';
import { journeyScenario } from './scenarios/journey';
import { joinBaselineScenario } from './scenarios/join-baseline';
import { kafkaLoopScenario } from './scenarios/kafka-loop';
import { queueScenario } from './scenarios/queue';
import { queueScaleScenario } from './scenarios/queue-scale';
import { sagaScenario } from './scenarios/saga';
import { retentionScenario } from './scenarios/retention';
import { sagaHopsScenario } from './scenarios/saga-hops';
import { skeletonClientsScenario } from './scenarios/skeleton-clients';
import { stalenessScenario } from './scenarios/staleness';
import { tracingScenario } from './scenarios/tracing';
import { seatMapScenario } from './scenarios/seat-map';
import { holdsScenario } from './scenarios/holds';
import { benchTopics } from './topics';
import { walletScenario } from './scenarios/wallet';
import { uniqueStamp } from './stamps';

const SCENARIOS: Record<string, (ctx: BenchContext) => Promise<Row[]>> = {
  identity: identityScenario,
  queue: queueScenario,
  'queue-scale': queueScaleScenario,
  'seat-map': seatMapScenario,
  'hold-storm': holdStormScenario,
  holds: holdsScenario,
  wallet: walletScenario,
  kafka: kafkaLoopScenario,
  saga: sagaScenario,
  journey: journeyScenario,
  staleness: stalenessScenario,
  idle: idleScenario,
  gateway: gatewayScenario,
  tracing: tracingScenario,
  retention: retentionScenario,
  'saga-hops': sagaHopsScenario,
  'join-baseline': joinBaselineScenario,
  'skeleton-clients': skeletonClientsScenario,
};

/** Scenarios too long for every run. */
const ON_REQUEST = new Set(['retention', 'saga-hops', 'join-baseline', 'skeleton-clients']);

async function main(): Promise<void> {
  const foreign = foreignNodeProblem('bench');
  if (foreign) exitOnError('bench', new Error(foreign)); // its figures would be another runtime's
  const args = process.argv.slice(2);
  const instances = instancesFromEnv(); // validated before anything starts
  const smoke = args.includes('--smoke');
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const seconds = smoke ? 1 : Number(process.env.BENCH_SECONDS ?? 10);
  if (smoke) smokeMode(200);
  const infra = settingsFromEnv();
  await infraUp(infra, { oidc: false });
  const identityProvider = await startOwnOidcProvider('bench');
  const passKeys = generatePassKeys();
  // Every topic under this run's own prefix: no scenario writes to a running system's topics.
  const stamp = uniqueStamp();
  const topics = await benchTopics(infra.kafkaBrokers, stamp);
  const queueDatabase = withDatabase(infra.databaseUrl, `bench_queue_${stamp}`);
  await ensureDatabase(queueDatabase);

  const express = await startInstances(
    'express-hello',
    benchServer('express-hello'),
    {},
    instances,
    '/',
  );
  const bare = await startInstances('bare-http', benchServer('bare-http'), {}, instances, '/');
  const fastify = await startInstances(
    'fastify-hello',
    benchServer('fastify-hello'),
    {},
    instances,
    '/',
  );
  // The run's own identity provider and pass key: the queue's passes verify here too.
  const expressIssuer = await startInstances(
    'express-issuer',
    benchServer('express-issuer'),
    { OIDC_ISSUER_URL: identityProvider.issuer, QUEUE_PASS_SIGNING_KEY: passKeys.signingKey },
    instances,
    '/health/ready',
  );
  const started = [express, bare, fastify, expressIssuer, identityProvider];
  await untilReady(expressIssuer.urls); // it has discovered the provider's keys
  const ceiling = (label: string, url: string[], request: autocannon.Request) => () =>
    runLoad({ label, url, connections: 100, durationSeconds: seconds, requests: [request] });
  const jsonPost: autocannon.Request = {
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ concertId: 1 }),
  };
  const ctx: BenchContext = {
    smoke,
    // Each service's pool as it is deployed (the default and the production overlay's).
    poolSize: smoke ? 3 : DB_POOL_MAX_DEFAULT,
    instances,
    seconds,
    infra,
    identityProvider,
    serviceEnv: {
      REDIS_URL: infra.redisUrl,
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: topics.ns.prefix,
      OIDC_ISSUER_URL: identityProvider.issuer,
      // The run's own pass keys: the queue signs with the private one, the rest verify.
      QUEUE_PASS_SIGNING_KEY: passKeys.signingKey,
      QUEUE_PASS_PUBLIC_KEYS: passKeys.publicKeys,
      // The gateway's seal on the identities it verified (ADR 0019), opened by the services;
      // BENCH_IDENTITY_PROOF=off measures without it (each service checks signatures itself).
      ...(process.env.BENCH_IDENTITY_PROOF !== 'off' && {
        IDENTITY_PROOF_KEY: generateIdentityProofKey(),
      }),
      // A stopping consumer waits out its fetch in flight (500 ms at the default): the smoke stops
      // a system or two per scenario. Measured runs keep the services' default.
      ...(smoke && { KAFKA_CONSUMER_MAX_WAIT_MS: '200' }),
    },
    queueEnv: {
      DATABASE_URL: queueDatabase,
      DB_POOL_MAX: smoke ? '3' : String(DB_POOL_MAX_DEFAULT),
    },
    ceilings: {
      expressGet: ceiling('express GET', express.urls, { method: 'GET', path: '/' }),
      expressPost: ceiling('express POST', express.urls, jsonPost),
      bareGet: ceiling('node:http GET', bare.urls, { method: 'GET', path: '/' }),
      fastifyGet: ceiling('fastify GET', fastify.urls, { method: 'GET', path: '/' }),
      fastifyPost: ceiling('fastify POST', fastify.urls, jsonPost),
      expressIssuer: (label, request) =>
        runLoad({
          label,
          url: expressIssuer.urls,
          connections: 100,
          durationSeconds: seconds,
          requests: [request],
        }),
      expressStorm: (connections, amount) =>
        runLoad({
          label: `express POST storm`,
          url: express.urls,
          connections,
          amount,
          requests: [jsonPost],
        }),
    },
  };

  const rows: Row[] = [];
  try {
    rows.push({ scenario: 'ceiling: node:http hello', measured: await ctx.ceilings.bareGet() });
    if (!only || only.some((o) => ['queue', 'seat-map'].includes(o)))
      rows.push({
        scenario: 'ceiling: fastify hello (the services’ framework)',
        measured: await ctx.ceilings.fastifyGet(),
      });
    const chosen = Object.keys(SCENARIOS).filter((name) =>
      // Long or diagnostic ones run when named (`--only=retention`), and in smoke mode.
      only ? only.includes(name) : smoke || !ON_REQUEST.has(name),
    );
    for (const name of chosen) {
      process.stdout.write(`[bench] ${name}…\n`);
      const began = Date.now();
      rows.push(...(await SCENARIOS[name]!(ctx)));
      process.stdout.write(`[bench] ${name} took ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    await topics.remove();
    await dropDatabase(queueDatabase).catch(() => undefined);
  }
  const header = `Benchmarks ${new Date().toISOString()} — ${smoke ? 'SMOKE (1 s runs, figures meaningless)' : `${seconds} s runs`}; INSTANCES=${instances} (of each service and each ceiling server); Node ${process.version}; load generator, services, Postgres, Redis and Kafka share this machine's ${cpus().length} cores`;
  const table = markdown(rows, header);
  process.stdout.write(`\n${table}\n`);
  const file = writeResults(
    process.env.BENCH_RESULTS_DIR ?? path.join(ROOT, 'bench/results'),
    rows,
    { smoke, seconds, instances, node: process.version },
    table,
  );
  process.stdout.write(`\n[bench] written ${path.relative(ROOT, file)}\n`);
}

/** Any answer counts as started; ready is 200 on /health/ready (polled, 30 s at most). */
async function untilReady(urls: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (const url of urls) {
    const ready = await becomesTrue(
      async () => (await fetch(`${url}/health/ready`).catch(() => undefined))?.ok === true,
      { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: 100 },
    );
    if (!ready) throw new Error(`${url} not ready within 30 s`);
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) exitOnError('bench', err); // a variable named, no stack
  process.stderr.write(`[bench] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
