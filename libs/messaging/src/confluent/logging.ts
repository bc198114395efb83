import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from '@ticketing/platform';

/**
 * librdkafka's log lines on the service's logger, warnings and errors only (its INFO is a line per
 * connection and rebalance step). A broker lost is a warning: the client reconnects by itself, and
 * readiness says when Kafka has been away too long.
 */
export function librdkafkaLogger(logger: Logger): KafkaJS.Logger {
  const log = logger.child({ component: 'librdkafka' });
  const self: KafkaJS.Logger = {
    info: () => undefined,
    debug: () => undefined,
    warn: (message, extra) => log.warn(extra ?? {}, message),
    error: (message, extra) => log.error(extra ?? {}, message),
    namespace: () => self,
    setLogLevel: () => undefined,
  };
  return self;
}
