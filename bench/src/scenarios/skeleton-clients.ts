import type { BenchContext } from '../context';
import type { Row } from '../report';
import { SAGA_DELIVERIES, SagaSkeleton, type SkeletonHop } from '../skeleton';

const CLIENTS: { name: string; hop: SkeletonHop }[] = [
  { name: 'kafkajs (the services’ adapter)', hop: 'saga-skeleton-hop' },
  { name: '@platformatic/kafka', hop: 'saga-skeleton-hop-platformatic' },
];

/**
 * What the saga's skeleton (`SagaSkeleton`: a message through Kafka and one durable statement at
 * each of a saga's deliveries) costs on two Kafka clients, at the saga's rates: is the floor under
 * the saga's CPU the design or the client? The clients take turns, twice (the machine drifts
 * over minutes). Run when named: `--only=skeleton-clients`.
 */
export async function skeletonClientsScenario(ctx: BenchContext): Promise<Row[]> {
  const rates = ctx.smoke
    ? [10]
    : (process.env.BENCH_SAGA_RATES ?? '40,100,150').split(',').map(Number);
  const rounds = ctx.smoke ? 1 : 2;
  const rows: Row[] = [];
  for (let round = 1; round <= rounds; round++)
    for (const client of CLIENTS) {
      const skeleton = await SagaSkeleton.open(ctx, client.hop);
      try {
        for (const rate of rates) {
          const at = await skeleton.at(rate);
          const { hops, kafka, postgres, total } = at.cpuMs;
          rows.push({
            scenario: `skeleton on ${client.name}, ${rate}/s, round ${round}`,
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
