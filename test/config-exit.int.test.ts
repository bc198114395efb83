// @slow 115: seconds it takes in a full run; jest starts it early (tools/testing/slow-first-sequencer.js).
import { SERVICE_NAMES } from '@ticketing/contracts';
import { testPassKeys } from '@ticketing/testing';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const SERVICES = SERVICE_NAMES;
/**
 * How long a process may take to exit (or to listen) before it is taken to hang: a guard, not a
 * speed check. In a full run a start-up shares the machine with three test files and their
 * systems, and took over 28 s on a slow VM (the kernel's memory monitor busy beside it); two in a
 * row stay within this file's 120 s per test.
 */
const HANG_GUARD_MS = 55_000;
jest.setTimeout(120_000);

/**
 * Runs a program until it exits (each test waits on a process of its own: the tests of a file run
 * side by side, `it.concurrent`, instead of one Node start-up after another).
 */
function runToExit(
  args: string[],
  options: { env: NodeJS.ProcessEnv; timeout: number },
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      env: options.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    });
  });
}
const main = (svc: string) => path.resolve(__dirname, `../services/${svc}/dist/src/main.js`);
/** The pass keys every service needs (the queue its private key, the others the public ones). */
const PASS_KEYS = {
  QUEUE_PASS_SIGNING_KEY: testPassKeys().signingKey,
  QUEUE_PASS_PUBLIC_KEYS: testPassKeys().publicKeys,
};

describe.each(SERVICES)('%s start-up configuration', (svc) => {
  it.concurrent(
    'when PORT is malformed, then the process exits 78 naming PORT, before doing anything',
    async () => {
      expect(fs.existsSync(main(svc))).toBe(true); // built by `npm test`'s pretest
      const res = await runToExit([main(svc)], {
        env: { ...process.env, PORT: 'not-a-port', LOG_LEVEL: 'silent' },
        timeout: HANG_GUARD_MS,
      });
      expect(res.status).toBe(78);
      expect(res.stderr).toContain('PORT');
      expect(res.stderr).toContain('not-a-port');
    },
  );

  it.concurrent.each([
    { variable: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'collector:4318', what: 'not a URL' },
    { variable: 'LOG_LEVEL', value: 'loud', what: 'unknown' },
  ])(
    'when $variable is $what, then the process exits 78 naming $variable',
    async ({ variable, value }) => {
      const res = await runToExit([main(svc)], {
        env: { ...process.env, [variable]: value },
        timeout: HANG_GUARD_MS,
      });
      expect(res.status).toBe(78);
      expect(res.stderr).toContain(variable);
    },
  );
});

describe.each(SERVICES)('%s process lifecycle', (svc) => {
  it.concurrent('when it receives SIGTERM, then it stops serving and exits 0', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn('node', [main(svc)], {
      env: {
        ...process.env,
        PORT: '0',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        ...PASS_KEYS,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const listening = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), HANG_GUARD_MS);
      child.stdout.on('data', () => {
        if (out.includes('listening')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
    });
    expect(listening).toBe(true);
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('stopping');
  });
});

describe('queue pass keys', () => {
  it.concurrent.each([
    ['queue', 'QUEUE_PASS_SIGNING_KEY'],
    ['concert', 'QUEUE_PASS_PUBLIC_KEYS'],
    ['reservation', 'QUEUE_PASS_PUBLIC_KEYS'],
    ['payment', 'QUEUE_PASS_PUBLIC_KEYS'],
  ])(
    'when the %s service has no %s, or a shared secret in it, then it exits 78 naming it',
    async (svc, variable) => {
      for (const value of [undefined, 'change-me-in-production-0123456789abcdef']) {
        const env: NodeJS.ProcessEnv = { ...process.env, ...PASS_KEYS };
        delete env[variable];
        if (value) env[variable] = value;
        const res = await runToExit([main(svc)], { env, timeout: HANG_GUARD_MS });
        expect(res.status).toBe(78);
        expect(res.stderr).toContain(variable);
      }
    },
  );
});

describe.each(['queue', 'concert', 'reservation', 'wallet', 'payment'])(
  '%s identity settings',
  (svc) => {
    it.concurrent.each([
      ['OIDC_ISSUER_URL', 'not a url'],
      ['OIDC_ISSUER_URL', 'ftp://sso.example.com/realms/x'],
      ['OIDC_JWKS_COOLDOWN_SECONDS', '-1'],
      ['IDENTITY_PROOF_KEY', 'c2hvcnQta2V5'],
      ['IDENTITY_CACHE_ENTRIES', '0'],
    ])('when %s is %j, then the process exits 78 naming it', async (variable, value) => {
      const res = await runToExit([main(svc)], {
        env: {
          ...process.env,
          ...PASS_KEYS,
          [variable]: value,
        },
        timeout: HANG_GUARD_MS,
      });
      expect(res.status).toBe(78);
      expect(res.stderr).toContain(variable);
    });
  },
);

describe.each(SERVICES)('%s Kafka security settings', (svc) => {
  it.concurrent.each([
    ['KAFKA_SASL_USERNAME', { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }],
    ['KAFKA_SASL_PASSWORD', { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: svc }],
    [
      'KAFKA_SSL_CA_FILE',
      { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: '/nonexistent/ca.crt' },
    ],
    ['KAFKA_SECURITY_PROTOCOL', { KAFKA_SECURITY_PROTOCOL: 'TLS' }],
  ])(
    'when %s is missing or wrong, then the process exits 78 naming it',
    async (variable, settings) => {
      const res = await runToExit([main(svc)], {
        env: {
          ...process.env,
          ...PASS_KEYS,
          LOG_LEVEL: 'silent',
          ...settings,
        },
        timeout: 30_000,
      });
      expect(res.status).toBe(78);
      expect(res.stderr).toContain(variable);
    },
  );
});

describe('production mode (NODE_ENV=production, as the image runs)', () => {
  const program = (name: string) =>
    name === 'gateway' ? path.resolve(__dirname, '../gateway/dist/src/main.js') : main(name);
  const good = 'g'.repeat(12) + 'ood-secret-of-mine';
  const db = (password: string, name: string) =>
    `postgres://app:${password}@127.0.0.1:5432/${name}`;
  // The dev overlay's throwaway keys, as committed.
  const devOverlay = fs.readFileSync(
    path.resolve(__dirname, '../deploy/k8s/overlays/dev/kustomization.yaml'),
    'utf8',
  );
  const devSigningKey = devOverlay.match(/'signing-key=(\{.*\})'/)![1]!;
  const devIdentityProofKey = devOverlay.match(/- key=(\S+)/)![1]!;

  it.concurrent.each<[string, string, Record<string, string | undefined>]>([
    ['wallet', 'DATABASE_URL', { DATABASE_URL: db('ticketing', 'wallet') }],
    ['concert', 'DATABASE_URL', { DATABASE_URL: 'postgres://app@127.0.0.1:5432/concert' }],
    ['reservation', 'REDIS_PASSWORD', { REDIS_PASSWORD: 'change-me-in-production' }],
    ['payment', 'REDIS_PASSWORD', { REDIS_PASSWORD: undefined }],
    ['gateway', 'REDIS_PASSWORD', { REDIS_PASSWORD: 'short' }],
    ['queue', 'QUEUE_PASS_SIGNING_KEY', { QUEUE_PASS_SIGNING_KEY: devSigningKey }],
    ['gateway', 'IDENTITY_PROOF_KEY', { IDENTITY_PROOF_KEY: devIdentityProofKey }],
  ])(
    'when %s starts with an example, missing or short %s, then it exits 78 naming it',
    async (name, variable, change) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...PASS_KEYS,
        NODE_ENV: 'production',
        REDIS_USERNAME: name,
        REDIS_PASSWORD: good,
        DATABASE_URL: db(good, name),
        ...change,
      };
      for (const [k, v] of Object.entries(change)) if (v === undefined) delete env[k];
      const res = await runToExit([program(name)], { env, timeout: HANG_GUARD_MS });
      expect({ name, status: res.status }).toEqual({ name, status: 78 });
      expect(res.stderr).toContain(variable);
      // Only the variable at fault is named: the good secrets pass.
      for (const other of ['DATABASE_URL', 'REDIS_PASSWORD', 'QUEUE_PASS_SIGNING_KEY'])
        if (other !== variable) expect(res.stderr).not.toContain(`${other}:`);
    },
  );
});
