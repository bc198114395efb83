import { KAFKA_CLIENTS, type KafkaClientName } from '@ticketing/platform';
import type { BenchContext } from '../context';
import type { Row } from '../report';
import { SAGA_DELIVERIES, SagaSkeleton } from '../skeleton';

/** How each client is named in the report. */
const NAMES: Record<KafkaClientName, string> = {
  kafkajs: 'kafkajs 2.2.4',
  platformatic: '@platformatic/kafka 2.x',
  confluent: '@confluentinc/kafka-javascript 1.10.1',
};

/**
 * What the saga's skeleton (`SagaSkeleton`: a message through Kafka and one durable statement at
 * each of a saga's deliveries) costs on each Kafka client the project has an adapter for, through
 * the project's own port with the services' settings, at the saga's rates (issue 53: 40, 100 and
 * 150 chains/s): the measurement that chooses the services' client. The clients take turns,
 * twice (the machine drifts over minutes); `BENCH_SKELETON_ROUNDS` sets how many turns. Run when
 * named: `--only=skeleton-clients`.
 */
export async function skeletonClientsScenario(ctx: BenchContext): Promise<Row[]> {
  const rates = ctx.smoke
    ? [10]
    : (process.env.BENCH_SAGA_RATES ?? '40,100,150').split(',').map(Number);
  const rounds = ctx.smoke ? 1 : Number(process.env.BENCH_SKELETON_ROUNDS ?? 2);
  const rows: Row[] = [];
  for (let round = 1; round <= rounds; round++)
    for (const client of KAFKA_CLIENTS) {
      const skeleton = await SagaSkeleton.open(ctx, client);
      try {
        for (const rate of rates) {
          const at = await skeleton.at(rate);
          const { hops, kafka, postgres, total } = at.cpuMs;
          rows.push({
            scenario: `skeleton on ${NAMES[client]}, ${rate}/s, round ${round}`,
            value: `${total.toFixed(1)} ms CPU per chain`,
            notes: `${SAGA_DELIVERIES} hops; ${at.chains} chains, p50 ${at.p50Ms} ms; hop processes ${hops.toFixed(1)}, kafka ${kafka.toFixed(1)}, postgres ${postgres.toFixed(1)}`,
          });
        }
      } finally {
        await skeleton.stop();
      }
    }
  return rows;
}
