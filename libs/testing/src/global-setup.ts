import { startContainers } from './containers';
import { infraUp } from '@ticketing/infra';

/**
 * Before the integration tests: the real infrastructure. By default the machine's Postgres and
 * Redis and the project's Kafka (what `npm run infra:up` gives, started here if missing).
 * With TEST_INFRA=containers on a Docker host, throwaway containers instead.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_INFRA === 'containers') {
    const env = await startContainers();
    Object.assign(process.env, env);
  }
  await infraUp();
}
