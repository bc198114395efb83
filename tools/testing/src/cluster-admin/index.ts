import { testInfra } from '../env';
import type * as Platformatic from './platformatic';

/** A permission for a principal (`User:wallet`) on a topic or a consumer group. */
export interface AclGrant {
  principal: string;
  resource: { type: 'topic' | 'group'; name: string };
  operation: 'read' | 'write' | 'describe';
}

/**
 * What tests administer on a cluster that the services never do, so it is no part of the Kafka
 * port (`@ticketing/messaging`'s `Admin`): permissions, and a topic's settings changed after it
 * was made. Each call opens a client of its own and closes it.
 */
export interface ClusterAdmin {
  /** Allows each grant, on the resource of that exact name, from any host. */
  grantAcls(grants: AclGrant[]): Promise<void>;
  /** Sets the named settings of a topic; every other setting of it stays as it is. */
  setTopicConfig(topic: string, config: Record<string, string>): Promise<void>;
  /** A topic's settings, each with its value in force (the broker's default or the topic's own). */
  topicConfig(topic: string): Promise<Record<string, string>>;
}

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
