import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from '@ticketing/platform';

/** How many of librdkafka's latest errors a connect's failure may name. */
const KEPT = 10;

/**
 * librdkafka's log lines on the service's logger, warnings and errors only (its INFO is a line per
 * connection and rebalance step). A broker lost is logged by the client; it reconnects by itself,
 * and readiness says when Kafka has been away too long. The latest errors are kept: a connect
 * fails with the first error librdkafka met ("broker transport failure"), and the reason a person
 * needs (a wrong password, a refused certificate) came after it.
 */
export class LibrdkafkaLog {
  private errors: string[] = [];
  readonly logger: KafkaJS.Logger;

  constructor(logger: Logger) {
    const log = logger.child({ component: 'librdkafka' });
    const self: KafkaJS.Logger = {
      info: () => undefined,
      debug: () => undefined,
      warn: (message, extra) => log.warn(extra ?? {}, message),
      error: (message, extra) => {
        this.errors = [...this.errors.slice(1 - KEPT), message];
        log.error(extra ?? {}, message);
      },
      namespace: () => self,
      setLogLevel: () => undefined,
    };
    this.logger = self;
  }

  /** The errors logged since the last call, oldest first. */
  takeErrors(): string[] {
    const taken = this.errors;
    this.errors = [];
    return taken;
  }
}
