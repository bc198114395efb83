import { testInfra } from '../env';
import type * as Platformatic from './platformatic';
import type { ClusterAdmin } from './port';

export type { AclGrant, ClusterAdmin } from './port';

/*
 * One client serves every run, whichever client the run tests (`KAFKA_CLIENT`): these are the
 * test's own setup, not the client under test, and @platformatic/kafka changes a topic's settings
 * key by key (IncrementalAlterConfigs), where kafkajs can only replace all of them. Loaded when a
 * test first asks, not by every test that imports @ticketing/testing (its module graph is not
 * free: libs/messaging/src/kafka-client.ts).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- a synchronous load on demand */
const platformatic = () => require('./platformatic') as typeof Platformatic;
/* eslint-enable @typescript-eslint/no-require-imports */

/** The cluster at `brokers` (the tests' broker by default) as a test administers it. */
export function clusterAdmin(brokers: string[] = testInfra().kafkaBrokers): ClusterAdmin {
  return {
    grantAcls: (grants) => platformatic().grantAcls(brokers, grants),
    setTopicConfig: (topic, config) => platformatic().setTopicConfig(brokers, topic, config),
    topicConfig: (topic) => platformatic().topicConfig(brokers, topic),
  };
}
