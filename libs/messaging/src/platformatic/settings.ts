import { backoffDelay } from '@ticketing/platform';
import type { KafkaClientOptions } from '../broker';
import { KAFKA_CLIENT_SETTINGS, retryBackoff } from '../client-settings';

/** The backoff between attempts, as kafkajs's (`../kafkajs/client.ts`): 100 ms doubling to 500 ms. */
const retryDelay = (_client: unknown, _operation: string, attempt: number) =>
  backoffDelay(attempt, retryBackoff());

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
    // One timeout for every request, a JoinGroup's (answered once the rebalance is done) too.
    requestTimeout: KAFKA_CLIENT_SETTINGS.joinRequestTimeoutMs,
    // What a broker may take for a produce (acks=all) or an admin request.
    timeout: KAFKA_CLIENT_SETTINGS.requestTimeoutMs,
    retries,
    retryDelay,
    // A producer's and an admin's; a consumer's is shorter (`consumerSettings`).
    metadataMaxAge: KAFKA_CLIENT_SETTINGS.metadataMaxAgeMs,
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
 * What a consumer group member takes besides: the group's timings and how old its metadata may
 * grow, kafkajs's consumer's (a leader that died is still named there, and fetched from, until
 * the metadata is asked again).
 */
export const consumerSettings = (settings: ClientSettings) => ({
  ...connection(settings),
  sessionTimeout: KAFKA_CLIENT_SETTINGS.consumer.sessionTimeoutMs,
  heartbeatInterval: KAFKA_CLIENT_SETTINGS.consumer.heartbeatIntervalMs,
  rebalanceTimeout: KAFKA_CLIENT_SETTINGS.consumer.rebalanceTimeoutMs,
  metadataMaxAge: KAFKA_CLIENT_SETTINGS.consumer.metadataMaxAgeMs,
});

/**
 * The project's retries (`KAFKA_CLIENT_SETTINGS.retry`), for every client: a consumer whose
 * fetches fail for longer than they last crashes, and its owner starts a new one
 * (`RestartSupervisor`).
 */
export const CLIENT_RETRIES = KAFKA_CLIENT_SETTINGS.retry.retries;
