import { stopContainers } from './containers';
import { deleteRunTopics } from './topics';

/**
 * After the run: the run's OpenID provider stops, the run's own topics go (a broker that keeps
 * thousands of idle test partitions spends CPU on them and slows every later run; another run
 * on the same broker keeps its topics), then any containers.
 */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { stopTestOidcProvider?: () => Promise<void> }).stopTestOidcProvider?.();
  await deleteRunTopics().catch((err: unknown) =>
    process.stderr.write(`could not delete test topics: ${String(err)}\n`),
  );
  if (process.env.TEST_INFRA === 'containers') await stopContainers();
}
