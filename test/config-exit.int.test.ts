import { SERVICE_NAMES } from '@ticketing/contracts';
import { testPassKeys } from '@ticketing/testing';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const SERVICES = SERVICE_NAMES;
const main = (svc: string) => path.resolve(__dirname, `../services/${svc}/dist/src/main.js`);
/** The pass keys every service needs (the queue its private key, the others the public ones). */
const PASS_KEYS = {
  QUEUE_PASS_SIGNING_KEY: testPassKeys().signingKey,
  QUEUE_PASS_PUBLIC_KEYS: testPassKeys().publicKeys,
};

describe.each(SERVICES)('%s start-up configuration', (svc) => {
  it('when PORT is malformed, then the process exits 78 naming PORT, before doing anything', () => {
    expect(fs.existsSync(main(svc))).toBe(true); // built by `npm test`'s pretest
    const res = spawnSync('node', [main(svc)], {
      encoding: 'utf8',
      env: { ...process.env, PORT: 'not-a-port', LOG_LEVEL: 'silent' },
      timeout: 20_000,
    });
    expect(res.status).toBe(78);
    expect(res.stderr).toContain('PORT');
    expect(res.stderr).toContain('not-a-port');
  });

  it('when OTEL_EXPORTER_OTLP_ENDPOINT is not a URL, then the process exits 78 naming it', () => {
    const res = spawnSync('node', [main(svc)], {
      encoding: 'utf8',
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' },
      timeout: 20_000,
    });
    expect(res.status).toBe(78);
    expect(res.stderr).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
  });

  it('when LOG_LEVEL is unknown, then the process exits 78 naming LOG_LEVEL', () => {
    const res = spawnSync('node', [main(svc)], {
      encoding: 'utf8',
      env: { ...process.env, LOG_LEVEL: 'loud' },
      timeout: 20_000,
    });
    expect(res.status).toBe(78);
    expect(res.stderr).toContain('LOG_LEVEL');
  });
});

describe.each(SERVICES)('%s process lifecycle', (svc) => {
  it('when it receives SIGTERM, then it stops serving and exits 0', async () => {
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
      const timer = setTimeout(() => resolve(false), 20_000);
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
  it.each([
    ['queue', 'QUEUE_PASS_SIGNING_KEY'],
    ['concert', 'QUEUE_PASS_PUBLIC_KEYS'],
    ['reservation', 'QUEUE_PASS_PUBLIC_KEYS'],
    ['payment', 'QUEUE_PASS_PUBLIC_KEYS'],
  ])(
    'when the %s service has no %s, or a shared secret in it, then it exits 78 naming it',
    (svc, variable) => {
      for (const value of [undefined, 'change-me-in-production-0123456789abcdef']) {
        const env: NodeJS.ProcessEnv = { ...process.env, ...PASS_KEYS };
        delete env[variable];
        if (value) env[variable] = value;
        const res = spawnSync('node', [main(svc)], { encoding: 'utf8', env, timeout: 20_000 });
        expect(res.status).toBe(78);
        expect(res.stderr).toContain(variable);
      }
    },
  );
});

describe.each(['queue', 'concert', 'reservation', 'wallet', 'payment'])(
  '%s identity settings',
  (svc) => {
    it.each([
      ['OIDC_ISSUER_URL', 'not a url'],
      ['OIDC_ISSUER_URL', 'ftp://sso.example.com/realms/x'],
      ['OIDC_JWKS_COOLDOWN_SECONDS', '-1'],
    ])('when %s is %j, then the process exits 78 naming it', (variable, value) => {
      const res = spawnSync('node', [main(svc)], {
        encoding: 'utf8',
        env: {
          ...process.env,
          ...PASS_KEYS,
          [variable]: value,
        },
        timeout: 20_000,
      });
      expect(res.status).toBe(78);
      expect(res.stderr).toContain(variable);
    });
  },
);

describe.each(SERVICES)('%s Kafka security settings', (svc) => {
  it.each([
    ['KAFKA_SASL_USERNAME', { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }],
    ['KAFKA_SASL_PASSWORD', { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: svc }],
    [
      'KAFKA_SSL_CA_FILE',
      { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: '/nonexistent/ca.crt' },
    ],
    ['KAFKA_SECURITY_PROTOCOL', { KAFKA_SECURITY_PROTOCOL: 'TLS' }],
  ])('when %s is missing or wrong, then the process exits 78 naming it', (variable, settings) => {
    const res = spawnSync('node', [main(svc)], {
      encoding: 'utf8',
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
  });
});
