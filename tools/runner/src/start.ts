import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { generateIdentityProofKey } from '@ticketing/auth';
import { GATEWAY_PORT, SERVICES, SERVICE_NAMES } from '@ticketing/contracts';
import { generatePassKeys } from '@ticketing/queue-pass';
import {
  ROOT,
  exitOnError,
  foreignNodeProblem,
  instancesFromEnv,
  provisionRedisUsers,
  settingsFromEnv,
} from '@ticketing/infra';
import { launchSystem, type LaunchedSystem } from '@ticketing/launcher';
import { withDatabase } from '@ticketing/platform/wiring';

// How many of each, and where infra:up put the infrastructure (INFRA_SHAPE=production: three
// brokers, the -rw address); a malformed variable ends the run with EXIT_CONFIG, naming it.
const { instances, infra } = (() => {
  try {
    const foreign = foreignNodeProblem('the runner');
    if (foreign) throw new Error(foreign); // the services start on this process's Node
    return { instances: instancesFromEnv(), infra: settingsFromEnv() };
  } catch (err) {
    return exitOnError('runner', err);
  }
})();
// The queue signs passes with a private key; every other process verifies with its public half.
// A local run gets a fresh pair per start (passes of an earlier run are refused).
if (!process.env.QUEUE_PASS_SIGNING_KEY) {
  const keys = generatePassKeys();
  process.env.QUEUE_PASS_SIGNING_KEY = keys.signingKey;
  process.env.QUEUE_PASS_PUBLIC_KEYS = keys.publicKeys;
  console.log('[runner] QUEUE_PASS_SIGNING_KEY not set: a new P-256 key pair for this run');
}
// The gateway's seal on identities it verified, opened by the services (ADR 0019).
process.env.IDENTITY_PROOF_KEY ||= generateIdentityProofKey();
const pretty = process.stdout.isTTY === true && process.env.LOG_FORMAT !== 'json';
const LOG_FORMAT = pretty ? 'pretty' : 'json';
const databaseOf = (service: keyof typeof SERVICES): Record<string, string> => {
  const database = SERVICES[service].database;
  return database ? { DATABASE_URL: withDatabase(infra.databaseUrl, database) } : {};
};

// The demo catalog, when it is empty (idempotent; migrates the concert database first).
const seed = spawnSync(process.execPath, [path.join(ROOT, 'services/concert/dist/src/seed.js')], {
  env: {
    ...process.env,
    ...databaseOf('concert'),
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    LOG_FORMAT,
  },
  stdio: 'inherit',
});
if (seed.status !== 0) {
  console.error('[runner] seeding the demo catalog failed');
  process.exit(seed.status ?? 1);
}

let system: LaunchedSystem | undefined;
let stopping = false;

async function startAll(): Promise<void> {
  // Each service logs in to Redis as its own ACL user, as deployed (a password per run).
  const logins = await provisionRedisUsers(infra.redisUrl, process.env.REDIS_KEY_PREFIX ?? '');
  if (!logins) console.log("[runner] cannot make Redis users here: REDIS_URL's login for all");
  system = await launchSystem({
    instances,
    ports: 'fixed',
    inheritEnv: true,
    env: {
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      REDIS_URL: infra.redisUrl,
      LOG_FORMAT,
    },
    instanceEnv: (service) => ({
      ...databaseOf(service),
      ...(logins && service !== 'wallet' ? logins[service] : {}),
    }),
    gateway: { ...(logins && logins.gateway) },
    // One line per event; JSON lines pass through untouched for log shippers.
    sink: (label, line) =>
      process.stdout.write(pretty || line.startsWith('{') ? `${line}\n` : `[${label}] ${line}\n`),
    // A crash is what a supervisor restarts; bad configuration will not fix itself.
    supervise: {
      restartAfterMs: 1000,
      configRejected: (label) => {
        console.error(`[runner] ${label} rejected its configuration; stopping everything`);
        void stop(1);
      },
    },
  });
  const gatewayPort = process.env.GATEWAY_PORT || String(GATEWAY_PORT);
  console.log(
    `[runner] started ${SERVICE_NAMES.length} services × ${instances} instance(s) behind http://localhost:${gatewayPort} (docs: /docs); Ctrl-C stops them`,
  );
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await system?.stop();
  process.exit(code);
}

startAll().catch((err: unknown) => {
  console.error(`[runner] ${err instanceof Error ? err.message : String(err)}`);
  void stop(1);
});
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
