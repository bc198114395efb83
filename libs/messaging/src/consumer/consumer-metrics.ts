import { metricOnce, type Logger } from '@ticketing/platform';
import { Counter, type Registry } from 'prom-client';
import type { KafkaMessage } from '../broker';
import { REDRIVE_HEADER } from '../dead-letters';

export type ConsumedOutcome = 'applied' | 'duplicate' | 'ignored' | 'dead-lettered';

/** What a consumer counts: each message's outcome, and messages an operator sent back. */
export class ConsumerMetrics {
  private readonly outcomes?: Counter<'type' | 'outcome'>;
  private readonly redriven?: Counter<'topic'>;

  constructor(
    private readonly logger: Logger,
    registry?: Registry,
  ) {
    if (!registry) return;
    this.outcomes = metricOnce(
      registry,
      'messages_consumed_total',
      () =>
        new Counter({
          name: 'messages_consumed_total',
          help: 'Consumed messages by type and outcome',
          labelNames: ['type', 'outcome'],
          registers: [registry],
        }),
    );
    this.redriven = metricOnce(
      registry,
      'messages_redriven_total',
      () =>
        new Counter({
          name: 'messages_redriven_total',
          help: 'Messages received again from a dead-letter topic (npm run dlt -- redrive), by topic',
          labelNames: ['topic'],
          registers: [registry],
        }),
    );
  }

  outcome(type: string, outcome: ConsumedOutcome): void {
    this.outcomes?.inc({ type, outcome });
  }

  /** Messages sent back from a `.dlt` topic (`npm run dlt -- redrive`): logged and counted. */
  noteRedriven(topic: string, messages: KafkaMessage[]): void {
    for (const message of messages) {
      const from = message.headers?.[REDRIVE_HEADER.from];
      if (from === undefined) continue;
      this.redriven?.inc({ topic });
      this.logger.info(
        { topic, offset: message.offset, redrivenFrom: String(from) },
        'redriven message received',
      );
    }
  }
}
