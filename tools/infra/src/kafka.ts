import path from 'node:path';
import { ALL_TOPICS } from '@ticketing/contracts';
import { ensureTopics } from '@ticketing/messaging/wiring';
import {
  infraKafka,
  kafkaLog,
  kafkaReachable,
  newClusterId,
  prepareKafkaNode,
  spawnKafkaNode,
  type JvmProfile,
  type KafkaNodeLayout,
  type SecureListener,
} from './kafka-node';
import { isAlive, stopPid, waitFor, waitForProcess, which } from './proc';
import { INFRA_DIR, say } from './settings';
import type { InfraState } from './state';

/** What one broker alone can give: nothing is replicated. */
export const SINGLE_NODE_SETTINGS: Record<string, string> = {
  'default.replication.factor': '1',
  'offsets.topic.replication.factor': '1',
  'offsets.topic.num.partitions': '1',
  'transaction.state.log.replication.factor': '1',
  'transaction.state.log.min.isr': '1',
  'min.insync.replicas': '1',
  'auto.create.topics.enable': 'false',
};

/**
 * Starts a single-node KRaft broker on 127.0.0.1:`port` (its controller on `port`+1) with its
 * configuration, data and log under `home`, and waits until it serves. The jars are shared.
 */
export async function launchKafka(
  home: string,
  port: number,
  secure?: SecureListener,
  jvm: JvmProfile = 'server',
): Promise<number> {
  const node: KafkaNodeLayout = {
    nodeId: 1,
    port,
    controllerPort: port + 1,
    voters: `1@127.0.0.1:${port + 1}`,
    brokerSettings: SINGLE_NODE_SETTINGS,
    secure,
  };
  prepareKafkaNode(home, node, newClusterId());
  const pid = spawnKafkaNode(home, jvm);
  await waitForProcess(
    'Kafka',
    pid,
    kafkaLog(home),
    () => kafkaReachable([`127.0.0.1:${port}`]),
    90_000,
  );
  return pid;
}

export async function kafkaUp(brokers: string[], state: InfraState): Promise<void> {
  if (await kafkaReachable(brokers)) {
    say(`Kafka reachable at ${brokers.join(',')}`);
  } else if (state.kafka && isAlive(state.kafka.pid)) {
    say('private Kafka is starting; waiting for it');
    await waitFor('Kafka', () => kafkaReachable(brokers), 90_000);
  } else {
    if (!which('java'))
      throw new Error('Java 17+ is needed to run Kafka: apt-get install openjdk-17-jre-headless');
    const [host, portText] = brokers[0]!.split(':');
    if (host !== '127.0.0.1' && host !== 'localhost') {
      throw new Error(
        `Kafka at ${brokers.join(',')} does not answer; start it, or unset KAFKA_BROKERS to use a private one`,
      );
    }
    const port = Number(portText);
    const pid = await launchKafka(path.join(INFRA_DIR, 'kafka'), port);
    state.kafka = { pid, port };
  }
  const created = await ensureTopics(
    infraKafka(brokers),
    ALL_TOPICS.map((t) => `${process.env.KAFKA_TOPIC_PREFIX ?? ''}${t}`),
    { partitions: 6 },
  );
  say(created.length ? `topics created: ${created.join(', ')}` : 'topics ready');
}

export async function kafkaDown(state: InfraState): Promise<void> {
  if (!state.kafka) return;
  if (isAlive(state.kafka.pid)) await stopPid(state.kafka.pid, 30_000);
  say('private Kafka stopped');
  delete state.kafka;
}
