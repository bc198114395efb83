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
  // A broker that stops heartbeating is fenced after 3 s (Kafka's default: 9 s): until then
  // every acks=all write to a partition it replicates waits, since it is still in sync, and
  // its leaders and the groups it coordinates wait too. It heartbeats every second (3 chances).
  'broker.session.timeout.ms': '3000',
  'broker.heartbeat.interval.ms': '1000',
  // The controllers elect another leader 1 s after theirs stops answering (Kafka's default: 2 s);
  // the new one fences the brokers that do not heartbeat within the session above.
  'controller.quorum.fetch.timeout.ms': '1000',
};

/** Brokers (dual-role KRaft nodes, as the manifest's node pool) in the production shape. */
export const PRODUCTION_KAFKA_NODES = 3;
