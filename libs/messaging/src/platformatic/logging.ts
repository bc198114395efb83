import type { Base } from '@platformatic/kafka';
import type { Logger } from '@ticketing/platform';

/**
 * What the client says worth an operator's eye: a broker it could not reach (it retries; readiness
 * reports Kafka down while it lasts). The client logs nothing itself.
 */
export function logBrokerFailures(client: Base, logger: Logger): void {
  client.on('client:broker:failed', ({ broker }) =>
    logger.warn(
      { component: 'platformatic-kafka', broker: `${broker.host}:${broker.port}` },
      'kafka broker connection failed; retrying',
    ),
  );
}
