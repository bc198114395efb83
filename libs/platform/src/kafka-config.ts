import fs from 'node:fs';
import { LOCAL_DEFAULTS } from '@ticketing/contracts';
import { ConfigError, env, loadConfig, type Env } from './config';
import { productionSecretProblems, secret } from './secrets';

/**
 * A consumer's fetch wait unless told (KAFKA_CONSUMER_MAX_WAIT_MS): 500 ms, not 2 s, since a
 * partition whose leader moved waits for the fetch in flight to its new broker (the fault
 * suite's slowest leader-kill payment 8.1 s at 2 s, 5.2 – 6.2 s at 500 ms, Confluent's client);
 * idle, every service stays under 0.5 % of a core on every client (docs/benchmarks.md).
 */
export const KAFKA_CONSUMER_MAX_WAIT_MS_DEFAULT = 500;

/** The Kafka clients the project has an adapter for (libs/messaging, ADR 0018). */
export const KAFKA_CLIENTS = ['kafkajs', 'platformatic', 'confluent'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];

/**
 * Which Kafka client a process runs on: @platformatic/kafka, chosen by measurement (ADR 0042: a
 * lost leader or controller costs a payment ~6 s, median 0.2 s, at kafkajs's CPU); kafkajs and
 * Confluent's stay selectable.
 */
export const kafkaClientEnv = {
  KAFKA_CLIENT: env.oneOf(KAFKA_CLIENTS, 'platformatic'),
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
   * answered as soon as a message arrives): an idle consumer asks again this often, and a
   * stopping or rebalancing one waits out the fetch in flight (neither client can abort it;
   * kafkajs heartbeats between fetches). At most 5 s: well inside the 10 s session and rebalance
   * (`KAFKA_CLIENT_SETTINGS`). Why the default is short: `KAFKA_CONSUMER_MAX_WAIT_MS_DEFAULT`.
   */
  KAFKA_CONSUMER_MAX_WAIT_MS: env.int({
    default: KAFKA_CONSUMER_MAX_WAIT_MS_DEFAULT,
    min: 50,
    max: 5000,
  }),
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
