/**
 * The broker settings of the production Kafka cluster (deploy/k8s/base/kafka.yaml's `config`):
 * every partition on three brokers, a write acknowledged by two of them, no topic made by
 * accident. The production shape runs its brokers with exactly these, and a test holds the
 * manifest to them (deploy/test/failure-settings.unit.test.ts).
 */
export const PRODUCTION_BROKER_SETTINGS: Record<string, string> = {
  'offsets.topic.replication.factor': '3',
  'transaction.state.log.replication.factor': '3',
  'transaction.state.log.min.isr': '2',
  'default.replication.factor': '3',
  'min.insync.replicas': '2',
  'auto.create.topics.enable': 'false',
};

/** Brokers (dual-role KRaft nodes, as the manifest's node pool) in the production shape. */
export const PRODUCTION_KAFKA_NODES = 3;
