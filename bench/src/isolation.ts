import path from 'node:path';

const SERVICES_DIR = `${path.sep}services${path.sep}`;

/**
 * The environment of a process a benchmark starts. A service runs on the run's own topics
 * (`KAFKA_TOPIC_PREFIX`, which the run creates and removes) and, unless the scenario names one,
 * in a consumer group under that prefix: without both, its relay would publish the benchmark's
 * outbox rows into a running system's topics (npm start beside the bench), and its consumer
 * would join that system's group. Refused rather than defaulted, so a new scenario cannot forget.
 */
export function benchProcessEnv(
  name: string,
  script: string,
  env: Record<string, string>,
): Record<string, string> {
  if (!script.includes(SERVICES_DIR)) return env;
  const prefix = env.KAFKA_TOPIC_PREFIX;
  if (!prefix)
    throw new Error(
      `bench: ${name} would run on the shared topics: start it with the run's KAFKA_TOPIC_PREFIX (ctx.serviceEnv)`,
    );
  return { KAFKA_CONSUMER_GROUP: `${prefix}${name}`, ...env };
}
