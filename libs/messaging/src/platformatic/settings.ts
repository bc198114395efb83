import type { KafkaClientOptions } from '../broker';
import { KAFKA_CLIENT_SETTINGS } from '../client-settings';

/** The backoff between attempts, as kafkajs's (`../kafkajs/client.ts`): 100 ms doubling to 2 s. */
const retryDelay = (_client: unknown, _operation: string, attempt: number) =>
  Math.min(
    KAFKA_CLIENT_SETTINGS.retry.initialRetryTimeMs * 2 ** (attempt - 1),
    KAFKA_CLIENT_SETTINGS.retry.maxRetryTimeMs,
  );

/**
 * What every @platformatic/kafka client of a process shares: where, as whom, and the project's
 * timeouts and retries, the same as the kafkajs adapter's where the two clients have them.
 */
export function clientSettings(options: KafkaClientOptions, retries: number = CLIENT_RETRIES) {
  const { ssl, sasl } = options.security ?? {};
  return {
    logger: options.logger,
    clientId: options.clientId,
    bootstrapBrokers: options.brokers,
    connectTimeout: KAFKA_CLIENT_SETTINGS.connectionTimeoutMs,
    // A JoinGroup waits for the rebalance (up to its 10 s timeout) before it is answered.
    requestTimeout: 15_000,
    // What a broker may take for a produce (acks=all) or an admin request.
    timeout: KAFKA_CLIENT_SETTINGS.requestTimeoutMs,
    retries,
    retryDelay,
    // kafkajs's default: metadata is asked again when an answer says it is stale, not every 5 s.
    metadataMaxAge: 300_000,
    autocreateTopics: false,
    ...(ssl && { tls: ssl.ca ? { ca: ssl.ca } : {} }),
    ...(sasl && {
      sasl: {
        mechanism:
          sasl.mechanism === 'scram-sha-256'
            ? ('SCRAM-SHA-256' as const)
            : ('SCRAM-SHA-512' as const),
        username: sasl.username,
        password: sasl.password,
      },
    }),
  };
}

export type ClientSettings = ReturnType<typeof clientSettings>;

/** What the client's constructors take of the settings. */
export const connection = ({ logger: _logger, ...settings }: ClientSettings) => settings;

/**
 * kafkajs's client retries (10), for every client: a consumer whose fetches fail for longer than
 * they last crashes, and its owner starts a new one (`RestartSupervisor`).
 */
export const CLIENT_RETRIES = KAFKA_CLIENT_SETTINGS.retry.retries;
