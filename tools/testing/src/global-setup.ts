import { compileCacheEnv, infraUp, settingsFromEnv, startOwnOidcProvider } from '@ticketing/infra';
import { startContainers } from './containers';
import { testRunId } from './ids';

/**
 * Before the integration tests: the real infrastructure. By default the machine's Postgres and
 * Redis and the project's Kafka (what `npm run infra:up` gives, started here if missing).
 * With TEST_INFRA=containers on a Docker host, throwaway containers instead. The run gets an
 * OpenID provider of its own (tests sign forged claims with its key), which the workers find in
 * OIDC_ISSUER_URL and OIDC_KEYS_FILE, and an id of its own in TEST_RUN_ID (its topics carry it).
 */
export default async function globalSetup(): Promise<void> {
  testRunId();
  // The processes the tests start (and the workers) find their modules compiled after the first.
  Object.assign(process.env, compileCacheEnv());
  if (process.env.TEST_INFRA === 'containers') {
    const env = await startContainers();
    Object.assign(process.env, env);
  }
  await infraUp(settingsFromEnv(), { oidc: false });
  const provider = await startOwnOidcProvider('tests');
  process.env.OIDC_ISSUER_URL = provider.issuer;
  process.env.OIDC_KEYS_FILE = provider.keysFile;
  (globalThis as { stopTestOidcProvider?: () => Promise<void> }).stopTestOidcProvider =
    provider.stop;
}
