import { LOCAL_DEFAULTS } from '@ticketing/contracts';
import { ConfigError, EXIT_CONFIG } from '@ticketing/platform';
import { exitOnError, instancesFromEnv, settingsFromEnv, shapeFromEnv } from '../src/settings';

/**
 * What a refused setting does: reading it throws a ConfigError, and a tool's main that ends on it
 * (`exitOnError`) exits with EXIT_CONFIG, the variable named.
 */
function refusal(read: () => unknown): { thrown: unknown; code: unknown; said: string } {
  let thrown: unknown;
  try {
    read();
  } catch (err) {
    thrown = err;
  }
  const said: string[] = [];
  const write = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((line: string | Uint8Array) => said.push(String(line)) > 0);
  const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
    throw Object.assign(new Error('exit'), { exitCode: code });
  });
  try {
    exitOnError('infra', thrown);
  } catch (err) {
    return { thrown, code: (err as { exitCode?: unknown }).exitCode, said: said.join('') };
  } finally {
    write.mockRestore();
    exit.mockRestore();
  }
}

describe("the infrastructure's settings, read with the platform's env", () => {
  it('when nothing is set (or set empty), then the local defaults hold', () => {
    const expected = {
      databaseUrl: LOCAL_DEFAULTS.postgresUrl,
      redisUrl: LOCAL_DEFAULTS.redisUrl,
      kafkaBrokers: [LOCAL_DEFAULTS.kafkaBrokers],
      oidcIssuer: LOCAL_DEFAULTS.oidcIssuer,
    };
    expect(settingsFromEnv({})).toEqual(expected);
    expect(settingsFromEnv({ REDIS_URL: '', KAFKA_BROKERS: ' ' })).toEqual(expected);
    expect(shapeFromEnv({})).toBe('local');
    expect(instancesFromEnv({})).toBe(1);
  });

  it('when variables are set, then they win; a broker list is split and trimmed', () => {
    expect(
      settingsFromEnv({
        POSTGRES_URL: 'postgres://u@db:5432/postgres',
        REDIS_URL: 'redis://a:1,redis://b:2',
        KAFKA_BROKERS: 'k1:9092, k2:9092',
        OIDC_ISSUER_URL: 'https://id.example/realm',
      }),
    ).toEqual({
      databaseUrl: 'postgres://u@db:5432/postgres',
      redisUrl: 'redis://a:1,redis://b:2',
      kafkaBrokers: ['k1:9092', 'k2:9092'],
      oidcIssuer: 'https://id.example/realm',
    });
    expect(instancesFromEnv({ INSTANCES: '3' })).toBe(3);
  });

  it('when the production shape is asked for, then its own ports are the defaults', () => {
    const production = settingsFromEnv({ INFRA_SHAPE: 'production' });
    expect(production.databaseUrl).not.toBe(LOCAL_DEFAULTS.postgresUrl);
    expect(production.redisUrl.split(',').length).toBeGreaterThan(1);
    expect(production.kafkaBrokers.length).toBeGreaterThan(1);
  });

  it.each([
    ['INFRA_SHAPE', () => shapeFromEnv({ INFRA_SHAPE: 'big' })],
    ['INSTANCES', () => instancesFromEnv({ INSTANCES: '9' })],
    ['KAFKA_BROKERS', () => settingsFromEnv({ KAFKA_BROKERS: 'no port' })],
    ['REDIS_URL', () => settingsFromEnv({ REDIS_URL: 'http://x' })],
  ])('when %s is malformed, then the process ends naming it', (variable, read) => {
    const { thrown, code, said } = refusal(read);
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(code).toBe(EXIT_CONFIG);
    expect(said).toMatch(new RegExp(`^${variable}: `));
  });

  it('when a tool ends on another error, then it exits 1 with its message, no variable named', () => {
    const { code, said } = refusal(() => {
      throw new Error('the broker did not start');
    });
    expect(code).toBe(1);
    expect(said).toBe('[infra] the broker did not start\n');
  });
});
