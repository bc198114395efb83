import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { generateIdentityProofKey } from '@ticketing/auth';
import { generatePassKeys } from '@ticketing/queue-pass';
import { ROOT, instancesFromEnv, provisionRedisUsers, settingsFromEnv } from '@ticketing/infra';
import { EXIT_CONFIG } from '@ticketing/platform';
import { GATEWAY_PORT, SERVICES, SERVICE_NAMES, instancePort } from '@ticketing/contracts';
import { withDatabase } from '@ticketing/platform/wiring';

const instances = instancesFromEnv();
// Where infra:up put the infrastructure (INFRA_SHAPE=production: three brokers, the -rw address).
const infra = settingsFromEnv();
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
const children: ChildProcess[] = [];

// The demo catalog, when it is empty (idempotent; migrates the concert database first).
const seed = spawnSync('node', [path.join(ROOT, 'services/concert/dist/src/seed.js')], {
  env: {
    ...process.env,
    DATABASE_URL: withDatabase(infra.databaseUrl, SERVICES.concert.database),
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    LOG_FORMAT: pretty ? 'pretty' : 'json',
  },
  stdio: 'inherit',
});
if (seed.status !== 0) {
  console.error('[runner] seeding the demo catalog failed');
  process.exit(seed.status ?? 1);
}
let stopping = false;

void startAll();

async function startAll(): Promise<void> {
  // Each service logs in to Redis as its own ACL user, as deployed (a password per run).
  const logins = await provisionRedisUsers(infra.redisUrl, process.env.REDIS_KEY_PREFIX ?? '');
  if (!logins) console.log("[runner] cannot make Redis users here: REDIS_URL's login for all");
  const upstreams: Record<string, string> = {};
  const urlsOf = (service: (typeof SERVICE_NAMES)[number]) =>
    Array.from({ length: instances }, (_, i) => `http://127.0.0.1:${instancePort(service, i)}`);
  for (const service of SERVICE_NAMES) {
    const urls = urlsOf(service);
    for (let i = 0; i < instances; i++) {
      const database = SERVICES[service].database;
      run(`${service}#${i + 1}`, `services/${service}/dist/src/main.js`, {
        PORT: String(instancePort(service, i)),
        INSTANCE_ID: String(i + 1),
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        REDIS_URL: infra.redisUrl,
        ...(database && { DATABASE_URL: withDatabase(infra.databaseUrl, database) }),
        ...(logins && service !== 'wallet' && logins[service]),
        // The queue asks the catalog for a concert its copy misses (ADR 0024).
        ...(service === 'queue' && { CONCERT_URLS: urlsOf('concert').join(',') }),
      });
    }
    upstreams[`${service.toUpperCase()}_URLS`] = urls.join(',');
  }
  // The one front door: routes the public paths round robin over the instances, serves /docs.
  run('gateway#1', 'gateway/dist/src/main.js', {
    ...upstreams,
    REDIS_URL: infra.redisUrl,
    INSTANCE_ID: '1',
    ...(logins && logins.gateway),
  });
  const gatewayPort = process.env.GATEWAY_PORT || String(GATEWAY_PORT);
  console.log(
    `[runner] started ${SERVICE_NAMES.length} services × ${instances} instance(s) behind http://localhost:${gatewayPort} (docs: /docs); Ctrl-C stops them`,
  );
}

function run(label: string, script: string, env: Record<string, string>): void {
  const child = spawn('node', [path.join(ROOT, script)], {
    env: { ...process.env, ...env, LOG_FORMAT: pretty ? 'pretty' : 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // One line per event; JSON lines pass through untouched for log shippers.
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream! }).on('line', (line) => {
      process.stdout.write(pretty || line.startsWith('{') ? `${line}\n` : `[${label}] ${line}\n`);
    });
  }
  children.push(child);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    children.splice(children.indexOf(child), 1);
    // Bad configuration will not fix itself; a crash is what a supervisor restarts.
    if (code === EXIT_CONFIG) {
      console.error(`[runner] ${label} rejected its configuration; stopping everything`);
      return stop(1);
    }
    console.error(`[runner] ${label} exited (${signal ?? code}); restarting it in 1 s`);
    setTimeout(() => stopping || run(label, script, env), 1000);
  });
}

function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  const deadline = setTimeout(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  }, 15_000);
  // Waiting for exits cannot fail; the deadline above kills what does not exit.
  void Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r)))),
  ).then(() => {
    clearTimeout(deadline);
    process.exit(code);
  });
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
