import { kafkaDown, kafkaReachable, kafkaUp } from './kafka';
import { postgresDown, postgresReachable, postgresUp } from './postgres';
import { redisDown, redisReachable, redisUp } from './redis';
import { settingsFromEnv, say, type InfraSettings } from './settings';
import { readState, writeState } from './state';

export * from './settings';
export { which } from './proc';
export { kafkaReachable, kafkaUp, kafkaKill, launchKafka } from './kafka';
export { stopPid, isAlive } from './proc';
export { readState, writeState } from './state';

/** Idempotent: what answers is used as it is; only what is missing is started. */
export async function infraUp(settings: InfraSettings = settingsFromEnv()): Promise<void> {
  const state = readState();
  try {
    await postgresUp(settings.databaseUrl, state);
    await redisUp(settings.redisUrl, state);
    await kafkaUp(settings.kafkaBrokers, state);
  } finally {
    writeState(state);
  }
}

/** Stops only what infra:up started itself. */
export async function infraDown(): Promise<void> {
  const state = readState();
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
  };
}
