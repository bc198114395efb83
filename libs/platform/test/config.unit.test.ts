import { commonEnv, ConfigError, env, loadConfig } from '../src/config';
import { kafkaSecurityFrom } from '../src/kafka-config';
import { postgresEnv } from '../src/postgres-config';
import { secret } from '../src/secrets';

const shape = {
  PORT: env.port(3000),
  DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
  KAFKA_BROKERS: env.hostList('127.0.0.1:9092'),
  HOLD_TTL_SECONDS: env.int({ default: 300, min: 1 }),
  DEBUG_SQL: env.bool(false),
};

describe('loadConfig', () => {
  it('when every variable is valid, then it returns typed values and defaults', () => {
    const config = loadConfig(shape, { DATABASE_URL: 'postgres://u@h:5432/db', DEBUG_SQL: 'true' });
    expect(config).toEqual({
      PORT: 3000,
      DATABASE_URL: 'postgres://u@h:5432/db',
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      HOLD_TTL_SECONDS: 300,
      DEBUG_SQL: true,
    });
  });

  it('when a required variable is missing, then the error names it', () => {
    expect(() => loadConfig(shape, {})).toThrow(/DATABASE_URL: is required/);
  });

  it.each([
    ['PORT', 'abc', /PORT: .*integer.*"abc"/],
    ['PORT', '70000', /PORT: must be <= 65535/],
    ['HOLD_TTL_SECONDS', '0', /HOLD_TTL_SECONDS: must be >= 1/],
    ['HOLD_TTL_SECONDS', '1.5', /HOLD_TTL_SECONDS: must be an integer/],
    ['DATABASE_URL', 'mysql://x/y', /DATABASE_URL: must be a URL with protocol postgres/],
    ['KAFKA_BROKERS', 'localhost', /KAFKA_BROKERS: must be a comma-separated list of host:port/],
    ['DEBUG_SQL', 'yes', /DEBUG_SQL: must be true or false/],
  ])('when %s is "%s", then start-up fails naming the variable', (name, value, message) => {
    const source = { DATABASE_URL: 'postgres://u@h/db', [name]: value };
    expect(() => loadConfig(shape, source)).toThrow(ConfigError);
    expect(() => loadConfig(shape, source)).toThrow(message);
  });

  it('when several variables are bad, then every one is named', () => {
    try {
      loadConfig(shape, { PORT: 'x', HOLD_TTL_SECONDS: '-1' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
        'DATABASE_URL',
        'HOLD_TTL_SECONDS',
        'PORT',
      ]);
    }
  });

  it('when HTTP_DRAIN_MS is shorter than a connection must stay idle to be closed safely, then the error names it; 0 turns the drain off', () => {
    expect(() => loadConfig(commonEnv, { HTTP_DRAIN_MS: '500' })).toThrow(
      'HTTP_DRAIN_MS: must be 0 (no drain) or >= 2000, got "500"',
    );
    expect(loadConfig(commonEnv, { HTTP_DRAIN_MS: '0' }).HTTP_DRAIN_MS).toBe(0);
    expect(loadConfig(commonEnv, {}).HTTP_DRAIN_MS).toBe(2500);
  });

  it('when a variable is empty, then its default applies', () => {
    expect(loadConfig(shape, { PORT: '', DATABASE_URL: 'postgres://h/db' }).PORT).toBe(3000);
  });
});

describe('production mode (NODE_ENV=production)', () => {
  const shape = {
    DATABASE_URL: postgresEnv('x').DATABASE_URL,
    TOKEN: secret(env.optionalString()),
  };
  const good = 'a-secret-nobody-has-seen-0123';

  it.each<[string, Record<string, string>, string]>([
    ['a missing secret', { DATABASE_URL: `postgres://u:${good}@h/x` }, 'TOKEN'],
    ['a short one', { DATABASE_URL: `postgres://u:${good}@h/x`, TOKEN: 'short' }, 'TOKEN'],
    ['an example one', { DATABASE_URL: 'postgres://u:ticketing@h/x', TOKEN: good }, 'DATABASE_URL'],
    [
      'a URL without its password',
      { DATABASE_URL: 'postgres://u@h/x', TOKEN: good },
      'DATABASE_URL',
    ],
  ])(
    'when a process starts with %s, then the error names the variable',
    (_what, source, variable) => {
      expect(() => loadConfig(shape, { ...source, NODE_ENV: 'production' })).toThrow(
        expect.objectContaining({
          problems: [expect.objectContaining({ variable })],
        }) as Error,
      );
      // Outside production the same values load (a developer's machine, the tests).
      expect(() => loadConfig(shape, source)).not.toThrow();
    },
  );

  it('when Kafka SASL is on in production with an example password, then the error names KAFKA_SASL_PASSWORD', () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() =>
        kafkaSecurityFrom({
          KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
          KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
          KAFKA_SASL_USERNAME: 'queue',
          KAFKA_SASL_PASSWORD: 'change-me',
        }),
      ).toThrow(/KAFKA_SASL_PASSWORD/);
    } finally {
      process.env.NODE_ENV = before;
    }
  });
});
