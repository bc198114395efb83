import { kafkaDown, kafkaUp } from './kafka';
import { kafkaReachable } from './kafka-node';
import { oidcDown, oidcReachable, oidcUp } from './oidc';
import { postgresDown, postgresReachable, postgresUp } from './postgres';
import { redisDown, redisReachable, redisUp } from './redis';
import {
  productionShapeDown,
  productionShapeSwitchover,
  productionShapeUp,
} from './production-shape/up';
import { settingsFromEnv, say, shapeFromEnv, type InfraSettings } from './settings';
import { readState, writeState } from './state';

export * from './settings';
export { foreignNodeProblem, projectNodeMajor } from './node-runtime';
export { which } from './proc';
export { KAFKA_VERSION } from './kafka-jars';
export { kafkaReachable, type SecureListener } from './kafka-node';
export { kafkaUp, launchKafka } from './kafka';
export {
  launchOidcProvider,
  oidcKeysFile,
  oidcReachable,
  rotateOidcKeys,
  startOwnOidcProvider,
} from './oidc';
export { stopPid, isAlive, freePort, listenerOwnedBy } from './proc';
export { CHROMIUM_PATH, chromiumUp, chromiumVersion } from './chromium';
export { readState, writeState } from './state';
export { ensureDebianPackage } from './debian';
export { ProductionShape, type ProductionShapeState } from './production-shape/shape';
export { KafkaCluster } from './production-shape/kafka-cluster';
export {
  PRODUCTION_SHAPE_PORTS,
  shapeBrokers,
  type ProductionShapePorts,
} from './production-shape/ports';
export { PRODUCTION_BROKER_SETTINGS } from './production-shape/broker-settings';
export {
  PRODUCTION_SYNCHRONOUS_STANDBYS,
  type PostgresInstance,
} from './production-shape/postgres-pair';

/**
 * Idempotent: what answers is used as it is; only what is missing is started. `oidc: false` for
 * a test run or a benchmark, which start an OpenID provider of their own (they sign tokens with
 * its key, which a provider started by another checkout would not give them).
 */
export async function infraUp(
  settings: InfraSettings = settingsFromEnv(),
  options: { oidc?: boolean; shape?: 'local' | 'production' } = {},
): Promise<void> {
  const state = readState();
  try {
    if ((options.shape ?? shapeFromEnv()) === 'production') await productionShapeUp(state);
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
  await productionShapeDown(state);
  await redisDown(state);
  postgresDown(state);
  writeState(state);
  say('down');
}

/** Stops the production shape alone (the local infrastructure keeps running). */
export async function infraShapeDown(): Promise<void> {
  const state = readState();
  await productionShapeDown(state);
  writeState(state);
}

/** A planned switchover of the production shape's Postgres (its operator does it). */
export async function infraSwitchover(): Promise<void> {
  await productionShapeSwitchover(readState());
}

export async function infraStatus(settings: InfraSettings = settingsFromEnv()) {
  const state = readState();
  return {
    postgres: {
      reachable: await postgresReachable(settings.databaseUrl),
      startedByUs: Boolean(state.postgres || state.productionShape),
    },
    redis: {
      reachable: await redisReachable(settings.redisUrl),
      startedByUs: Boolean(state.redis),
    },
    kafka: {
      reachable: await kafkaReachable(settings.kafkaBrokers),
      startedByUs: Boolean(state.kafka || state.productionShape),
    },
    oidc: {
      reachable: await oidcReachable(settings.oidcIssuer),
      startedByUs: Boolean(state.oidc),
    },
  };
}
export {
  LocalRedis,
  type LocalRedisOptions,
  type LocalRedisState,
  type RedisClusterOptions,
  type RedisNode,
} from './local-redis';
export { slotOf, type RedisRole } from './redis-cluster';
export * from './secrets-file';
export * from './redis-users';
