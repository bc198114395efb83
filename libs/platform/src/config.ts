import fs from 'node:fs';
import { LOCAL_DEFAULTS } from '@ticketing/contracts';
import { z } from 'zod';
import { passwordOfUrl, productionSecretProblems, secret } from './secrets';

/**
 * Typed configuration from environment variables. A service declares the variables it reads
 * (their names are the keys) and gets a typed object back, or a ConfigError naming every
 * variable that is missing or malformed.
 */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`,
    );
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

// An empty variable means "not set": `FOO= npm start` should fall back to the default.
const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/**
 * The one way this project reads a setting from the environment (services, the gateway, the
 * tools): a zod schema per variable, an empty variable read as unset (its default applies), and
 * `loadConfig` naming every variable that is missing or malformed.
 */
export const env = {
  /** Any schema, an empty variable read as unset. */
  from: <T extends z.ZodType>(schema: T) => z.preprocess(unsetIfEmpty, schema),
  string: (opts: { default?: string; minLength?: number } = {}) => {
    const base = z
      .string()
      .min(opts.minLength ?? 1, `must be at least ${opts.minLength ?? 1} characters`);
    return z.preprocess(
      unsetIfEmpty,
      opts.default === undefined ? base : base.default(opts.default),
    );
  },
  int: (opts: { default?: number; min?: number; max?: number } = {}) => {
    const min = opts.min ?? Number.MIN_SAFE_INTEGER;
    const max = opts.max ?? Number.MAX_SAFE_INTEGER;
    const base = z.coerce
      .number({ message: 'must be an integer' })
      .int('must be an integer')
      .min(min, `must be >= ${min}`)
      .max(max, `must be <= ${max}`);
    return z.preprocess(
      unsetIfEmpty,
      opts.default === undefined ? base : base.default(opts.default),
    );
  },
  port: (fallback: number) => env.int({ default: fallback, min: 0, max: 65535 }),
  url: (opts: { default?: string; protocols: string[] }) => {
    const base = z.string().refine(
      (v) => {
        try {
          return opts.protocols.includes(new URL(v).protocol.replace(':', ''));
        } catch {
          return false;
        }
      },
      `must be a URL with protocol ${opts.protocols.join(' or ')}`,
    );
    return z.preprocess(
      unsetIfEmpty,
      opts.default === undefined ? base : base.default(opts.default),
    );
  },
  /** Comma-separated host:port list, e.g. KAFKA_BROKERS. */
  hostList: (fallback: string) =>
    z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .default(fallback)
        .transform((v) =>
          v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        )
        .refine(
          (hosts) => hosts.length > 0 && hosts.every((h) => /^[\w.-]+:\d{1,5}$/.test(h)),
          'must be a comma-separated list of host:port',
        ),
    ),
  /** Comma-separated base URLs, e.g. `http://10.0.0.5:3002,http://10.0.0.6:3002`. */
  urlList: (fallback: string) =>
    z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .default(fallback)
        .transform((v) =>
          v
            .split(',')
            .map((s) => s.trim().replace(/\/+$/, ''))
            .filter(Boolean),
        )
        .refine(
          (urls) => urls.length > 0 && urls.every((u) => /^https?:\/\/[^/\s]+$/.test(u)),
          'must be a comma-separated list of http://host:port',
        ),
    ),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
    z.preprocess(unsetIfEmpty, z.enum(values).default(fallback)),
  optionalString: () => z.preprocess(unsetIfEmpty, z.string().optional()),
  bool: (fallback: boolean) =>
    z.preprocess(
      unsetIfEmpty,
      z
        .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
        .default(fallback ? 'true' : 'false')
        .transform((v) => v === 'true' || v === '1'),
    ),
};

/** Variables every service reads. */
export const commonEnv = {
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  INSTANCE_ID: env.string({ default: String(process.pid) }),
};

const withDatabaseName = (serverUrl: string, database: string) => {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
};

/**
 * Connections in a service's pool unless DB_POOL_MAX says otherwise: as the production overlay
 * gives each service. Every active connection is a Postgres process: past a few per database
 * core, more of them cost the database CPU per statement (docs/benchmarks.md as of 1bfe3a5: 2.5 times the
 * journey's Postgres CPU at 20 per service than at 4, on two cores).
 */
export const DB_POOL_MAX_DEFAULT = 5;
/**
 * Connections a process holds outside its pool: the outbox relay's session (leadership, LISTEN)
 * and the notifications' LISTEN session. docs/operations.md's connection budget counts them.
 */
export const SESSION_CONNECTIONS_PER_PROCESS = 2;

/** A Postgres service's database (its own database on the server). */
export const postgresEnv = (database: string) => ({
  /** Its password is a secret: production mode refuses a URL without one, or an example. */
  DATABASE_URL: secret(
    env.url({
      default: withDatabaseName(LOCAL_DEFAULTS.postgresUrl, database),
      protocols: ['postgres', 'postgresql'],
    }),
    passwordOfUrl,
  ),
  DB_POOL_MAX: env.int({ default: DB_POOL_MAX_DEFAULT, min: 1, max: 200 }),
  /**
   * Migrate at start (serialised by an advisory lock). false where a migration step of its own
   * runs first with a login allowed to change the schema (deploy/k8s: the init container), so
   * the service's own login needs no DDL.
   */
  MIGRATE_ON_START: env.bool(true),
  /**
   * Statements as named prepared statements (parsed and planned once per connection). false
   * behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
   */
  DB_PREPARED_STATEMENTS: env.bool(true),
  /**
   * How long the inbox remembers a consumed message (a redelivery within it is recognised and
   * skipped). Redeliveries come from a consumer restarting at its last committed offset: minutes.
   * Default 7 days, Kafka's own default retention.
   */
  INBOX_RETENTION_MINUTES: env.int({ default: 7 * 24 * 60, min: 1 }),
  /** How often each instance deletes what its retention windows let go (bounded batches). */
  RETENTION_INTERVAL_MS: env.int({ default: 60_000, min: 100 }),
});

/** The Kafka clients the project has an adapter for (libs/messaging, ADR 0018). */
export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];

/** Which Kafka client a process runs on: kafkajs until a measurement says otherwise. */
export const kafkaClientEnv = {
  KAFKA_CLIENT: env.oneOf(KAFKA_CLIENTS, 'kafkajs'),
};

/**
 * `KAFKA_CLIENT` of a process without a configuration of its own (tools, tests, the bench): a
 * value that names no client is a configuration error naming the variable.
 */
export function kafkaClientFrom(source: Env = process.env): KafkaClientName {
  return loadConfig(kafkaClientEnv, { KAFKA_CLIENT: source.KAFKA_CLIENT }).KAFKA_CLIENT;
}

/** Kafka: brokers, an optional topic prefix (environments sharing a cluster), the consumer group. */
export const kafkaEnv = (service: string) => ({
  ...kafkaClientEnv,
  KAFKA_BROKERS: env.hostList(LOCAL_DEFAULTS.kafkaBrokers),
  KAFKA_TOPIC_PREFIX: env.string({ default: '', minLength: 0 }),
  KAFKA_CONSUMER_GROUP: env.string({ default: service }),
  /**
   * While a consumer is busy (messages arrive at least twice as fast as it handles a fetch), it
   * fetches at most once per this many ms; what arrives meanwhile is handled together (one
   * transaction per fetch): fewer, larger units of work for a little latency per hop (ADR 0014).
   * A consumer that keeps up handles each message as it lands. 0: no window.
   */
  KAFKA_CONSUMER_BATCH_WINDOW_MS: env.int({ default: 40, min: 0, max: 1000 }),
  /**
   * How long a fetch waits at the broker for a message (Kafka's `fetch.max.wait.ms`; a long poll,
   * answered as soon as a message arrives, so it costs no latency): an idle consumer asks again
   * this often, and a stopping or rebalancing one waits out the fetch in flight (neither client
   * can abort it; kafkajs heartbeats between fetches). Shorter: quicker stops, more idle fetches.
   * At most 5 s: well inside the 10 s session and rebalance (`KAFKA_CLIENT_SETTINGS`).
   */
  KAFKA_CONSUMER_MAX_WAIT_MS: env.int({ default: 2000, min: 50, max: 5000 }),
  ...kafkaSecurityEnv,
});

/**
 * How a client reaches a secured cluster (a Strimzi `tls` listener with SCRAM users): TLS with
 * the cluster's CA, and SCRAM credentials, the password given or read from a mounted file (the
 * Secret Strimzi generates for a KafkaUser has it under `password`).
 */
export const kafkaSecurityEnv = {
  KAFKA_SECURITY_PROTOCOL: env.oneOf(
    ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'],
    'PLAINTEXT',
  ),
  KAFKA_SASL_MECHANISM: env.oneOf(['SCRAM-SHA-512', 'SCRAM-SHA-256'], 'SCRAM-SHA-512'),
  KAFKA_SASL_USERNAME: env.optionalString(),
  KAFKA_SASL_PASSWORD: env.optionalString(),
  KAFKA_SASL_PASSWORD_FILE: env.optionalString(),
  /** PEM of the CA that signed the brokers' certificates (Strimzi: `<cluster>-cluster-ca-cert`). */
  KAFKA_SSL_CA_FILE: env.optionalString(),
};

export interface KafkaSecurity {
  ssl?: { ca?: string[] };
  sasl?:
    | { mechanism: 'scram-sha-512'; username: string; password: string }
    | { mechanism: 'scram-sha-256'; username: string; password: string };
}

/**
 * The client's TLS and SASL settings from the variables above: a SASL protocol without a user or
 * password, or a file that cannot be read, is a configuration error naming the variable.
 */
export function kafkaSecurityFrom(config: {
  KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' | 'SCRAM-SHA-256';
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
  KAFKA_SASL_PASSWORD_FILE?: string;
  KAFKA_SSL_CA_FILE?: string;
}): KafkaSecurity {
  const protocol = config.KAFKA_SECURITY_PROTOCOL;
  const read = (variable: string, file: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError([
        { variable, message: `cannot read ${file}: ${(err as Error).message}` },
      ]);
    }
  };
  const security: KafkaSecurity = {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL')
    security.ssl = config.KAFKA_SSL_CA_FILE
      ? { ca: [read('KAFKA_SSL_CA_FILE', config.KAFKA_SSL_CA_FILE)] }
      : {};
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const missing = (variable: string) =>
      new ConfigError([
        { variable, message: `is required with KAFKA_SECURITY_PROTOCOL=${protocol}` },
      ]);
    if (!config.KAFKA_SASL_USERNAME) throw missing('KAFKA_SASL_USERNAME');
    const password =
      config.KAFKA_SASL_PASSWORD ??
      (config.KAFKA_SASL_PASSWORD_FILE &&
        read('KAFKA_SASL_PASSWORD_FILE', config.KAFKA_SASL_PASSWORD_FILE).trim());
    if (!password) throw missing('KAFKA_SASL_PASSWORD');
    if (process.env.NODE_ENV === 'production') {
      const problems = productionSecretProblems(
        { KAFKA_SASL_PASSWORD: secret(env.optionalString()) },
        { KAFKA_SASL_PASSWORD: password },
      );
      if (problems.length > 0) throw new ConfigError(problems);
    }
    const mechanism =
      config.KAFKA_SASL_MECHANISM === 'SCRAM-SHA-256' ? 'scram-sha-256' : 'scram-sha-512';
    security.sasl = { mechanism, username: config.KAFKA_SASL_USERNAME, password };
  }
  return security;
}

export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  source: Env = process.env,
): z.output<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(source);
  if (result.success) {
    if (source.NODE_ENV === 'production') {
      const problems = productionSecretProblems(shape, source);
      if (problems.length > 0) throw new ConfigError(problems);
    }
    return result.data;
  }
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '?');
      const raw = source[variable];
      const message =
        raw === undefined || raw === ''
          ? `is required (${issue.message})`
          : `${issue.message}, got "${raw}"`;
      return { variable, message };
    }),
  );
}
