import { kafkaDown, kafkaReachable, kafkaUp } from './kafka';
import { oidcDown, oidcReachable, oidcUp } from './oidc';
import { postgresDown, postgresReachable, postgresUp } from './postgres';
import { redisDown, redisReachable, redisUp } from './redis';
import { settingsFromEnv, say, type InfraSettings } from './settings';
import { readState, writeState } from './state';

export * from './settings';
export { which } from './proc';
export {
  KAFKA_VERSION,
  kafkaReachable,
  kafkaUp,
  kafkaKill,
  launchKafka,
  type SecureListener,
} from './kafka';
export {
  launchOidcProvider,
  oidcKeysFile,
  oidcReachable,
  rotateOidcKeys,
  startOwnOidcProvider,
} from './oidc';
export { stopPid, isAlive, freePort } from './proc';
export { readState, writeState } from './state';

/**
 * Idempotent: what answers is used as it is; only what is missing is started. `oidc: false` for
 * a test run or a benchmark, which start an OpenID provider of their own (they sign tokens with
 * its key, which a provider started by another checkout would not give them).
 */
export async function infraUp(
  settings: InfraSettings = settingsFromEnv(),
  options: { oidc?: boolean } = {},
): Promise<void> {
  const state = readState();
  try {
    await postgresUp(settings.databaseUrl, state);
    await redisUp(settings.redisUrl, state);
    await kafkaUp(settings.kafkaBrokers, state);
    if (options.oidc !== false) await oidcUp(settings.oidcIssuer, state);
  } finally {
    writeState(state);
  }
}

/** Stops only what infra:up started itself. */
export async function infraDown(): Promise<void> {
  const state = readState();
  await oidcDown(state);
  await kafkaDown(state);
  await redisDown(state);
  postgresDown(state);
  writeState(state);
  say('down');
}

export async function infraStatus(settings: InfraSettings = settingsFromEnv()) {
  const state = readState();
  return {
    postgres: {
      reachable: await postgresReachable(settings.databaseUrl),
      startedByUs: Boolean(state.postgres),
    },
    redis: {
      reachable: await redisReachable(settings.redisUrl),
      startedByUs: Boolean(state.redis),
    },
    kafka: {
      reachable: await kafkaReachable(settings.kafkaBrokers),
      startedByUs: Boolean(state.kafka),
    },
    oidc: {
      reachable: await oidcReachable(settings.oidcIssuer),
      startedByUs: Boolean(state.oidc),
    },
  };
}
export { startRedisCluster, type LocalRedisCluster } from './redis-cluster';
export {
  RedisHa,
  startRedisHa,
  slotOf,
  type RedisHaNode,
  type RedisHaOptions,
  type RedisHaRole,
} from './redis-ha';
export * from './secrets-file';
export * from './redis-users';
