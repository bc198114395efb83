import { PRODUCTION_BROKER_SETTINGS, PRODUCTION_SYNCHRONOUS_STANDBYS } from '@ticketing/infra';
import { KAFKA_CLIENT_SETTINGS, retryBudgetMs } from '@ticketing/messaging';
import { DB_ACQUIRE_TIMEOUT_MS } from '@ticketing/platform';
import { loadGatewayConfig } from '../../gateway/src/config';
import { rendered, type Manifest } from './manifests';

// The settings that carry a sale through a broker lost or rolled and a database failed over
// (ADR 0022), held against each other: what the manifests ship, what the fault suite's
// production shape runs, what the services' clients do.

const base = rendered('base');
const kafka = base.find((d) => d.kind === 'Kafka')!;
const brokerConfig = (kafka.spec as { kafka: { config: Record<string, unknown> } }).kafka.config;
const brokerSetting = (name: string) => Number(brokerConfig[name]);
const nodePool = base.find((d) => d.kind === 'KafkaNodePool')!;
const topics = base.filter((d) => d.kind === 'KafkaTopic');
const gatewayDefaults = loadGatewayConfig({ GATEWAY_RATE_LIMIT: 'false' });

/**
 * What Strimzi's operator drops from `spec.kafka.config`, with a warning in its log only
 * (KafkaClusterSpec's FORBIDDEN_PREFIXES and FORBIDDEN_PREFIX_EXCEPTIONS; the `broker.` session
 * and heartbeat exceptions since 0.48): a setting it drops is one the fault suite proves and the
 * cluster never runs.
 */
const STRIMZI_FORBIDDEN_PREFIXES = [
  ...['listeners', 'advertised.', 'broker.', 'listener.', 'host.name', 'port'],
  ...['inter.broker.listener.name', 'sasl.', 'ssl.', 'security.', 'password.', 'log.dir'],
  ...['zookeeper.connect', 'zookeeper.set.acl', 'zookeeper.ssl', 'zookeeper.clientCnxnSocket'],
  ...['authorizer.', 'super.user', 'cruise.control.metrics.topic'],
  ...['cruise.control.metrics.reporter.bootstrap.servers', 'node.id', 'process.roles'],
  ...['controller.', 'metadata.log.dir'],
];
const STRIMZI_FORBIDDEN_EXCEPTIONS = [
  ...['broker.session.timeout.ms', 'broker.heartbeat.interval.ms', 'controller.socket.timeout.ms'],
  ...['controller.quorum.election.backoff.max.ms', 'controller.quorum.election.timeout.ms'],
  'controller.quorum.fetch.timeout.ms',
];
const droppedByStrimzi = (key: string) =>
  !STRIMZI_FORBIDDEN_EXCEPTIONS.includes(key) &&
  STRIMZI_FORBIDDEN_PREFIXES.some((prefix) => key.startsWith(prefix));

describe('the settings the manifests ship for a bad day', () => {
  it("when the fault suite runs its brokers, then they run exactly the manifest's broker settings", () => {
    const shipped = Object.fromEntries(
      Object.entries(brokerConfig).map(([key, value]) => [key, String(value)]),
    );
    expect(shipped).toEqual(PRODUCTION_BROKER_SETTINGS);
    expect(nodePool.spec).toMatchObject({ replicas: 3, roles: ['controller', 'broker'] });
  });

  it('when Strimzi renders the brokers, then it runs every setting the manifest gives them (none is one it drops)', () => {
    expect(Object.keys(brokerConfig).filter(droppedByStrimzi)).toEqual([]);
    expect(droppedByStrimzi('broker.rack')).toBe(true); // the rule bites
  });

  it("when a node is lost, then its leaders and the groups it coordinated move well within a consumer's session (no member is thrown out meanwhile)", () => {
    // The quorum elects another controller after its fetch timeout; the new one fences the lost
    // broker a session later; a client finds the new leader or coordinator within a second (its
    // scan). Past the consumers' session, librdkafka's members give up their partitions and
    // rejoin (a 10 s rebalance: the fault suite's 18.5 s controller kill with 6 s fencing).
    const movedWithinMs =
      brokerSetting('controller.quorum.fetch.timeout.ms') +
      brokerSetting('broker.session.timeout.ms') +
      1000;
    const { sessionTimeoutMs, heartbeatIntervalMs } = KAFKA_CLIENT_SETTINGS.consumer;
    expect(movedWithinMs + heartbeatIntervalMs).toBeLessThan(sessionTimeoutMs);
    expect(brokerSetting('broker.heartbeat.interval.ms') * 3).toBeLessThanOrEqual(
      brokerSetting('broker.session.timeout.ms'),
    );
  });

  it('when one broker of three is down (lost, or rolled), then every topic still takes acks=all writes', () => {
    expect(topics.length).toBeGreaterThan(0);
    for (const topic of topics) {
      const spec = topic.spec as { replicas: number; config?: Record<string, unknown> };
      const minInSync = Number(
        spec.config?.['min.insync.replicas'] ?? brokerSetting('min.insync.replicas'),
      );
      expect({
        topic: topic.metadata.name,
        replicas: spec.replicas,
        spare: spec.replicas - minInSync,
      }).toEqual({
        topic: topic.metadata.name,
        replicas: 3,
        spare: 1,
      });
    }
    expect(brokerSetting('min.insync.replicas')).toBe(2);
    expect(brokerSetting('offsets.topic.replication.factor')).toBe(3);
  });

  it('when a broker is lost, then a write waiting for it is not given up before the broker is fenced, nor retried for less than that', () => {
    const producer = KAFKA_CLIENT_SETTINGS.producer;
    expect(producer).toEqual({ acks: 'all', idempotent: true, maxInFlightRequests: 1 });
    const fencedAfterMs = brokerSetting('broker.session.timeout.ms');
    expect(KAFKA_CLIENT_SETTINGS.requestTimeoutMs).toBeGreaterThan(fencedAfterMs);
    expect(retryBudgetMs()).toBeGreaterThan(fencedAfterMs);
  });

  it('when a broker is lost, then a request refused until its partitions and groups moved is tried again within half a second of the move', () => {
    // The backoff's cap is how late a retry may see the election (issue 72: at 2 s, each hop of
    // a payment waited up to 2 s past it); its budget still outlasts the fencing (above).
    expect(KAFKA_CLIENT_SETTINGS.retry.maxRetryTimeMs).toBeLessThanOrEqual(500);
  });

  it("when the consumers join a group, then their session fits the brokers' bounds (Kafka's 6 s to 30 min)", () => {
    const { sessionTimeoutMs, heartbeatIntervalMs } = KAFKA_CLIENT_SETTINGS.consumer;
    expect(sessionTimeoutMs).toBeGreaterThanOrEqual(
      Number(brokerConfig['group.min.session.timeout.ms'] ?? 6000),
    );
    expect(sessionTimeoutMs).toBeLessThanOrEqual(
      Number(brokerConfig['group.max.session.timeout.ms'] ?? 1_800_000),
    );
    expect(heartbeatIntervalMs * 3).toBeLessThanOrEqual(sessionTimeoutMs);
  });

  it("when the dev overlay's Postgres loses its primary, then a standby holds every commit a client saw (synchronous, as the fault suite's)", () => {
    const cluster = rendered('overlays/dev').find((d: Manifest) => d.kind === 'Cluster')!;
    const spec = cluster.spec as {
      instances: number;
      postgresql: { synchronous?: { method: string; number: number; dataDurability?: string } };
    };
    expect(spec.instances).toBeGreaterThanOrEqual(2);
    const sync = spec.postgresql.synchronous!;
    expect(sync).toEqual({ method: 'any', number: 1, dataDurability: 'preferred' });
    expect(PRODUCTION_SYNCHRONOUS_STANDBYS).toBe(`${sync.method.toUpperCase()} ${sync.number} (*)`);
  });

  it('when the database fails over, then a request waiting for a connection is answered (503) within the time the gateway holds it, and the hold ends before the upstream timeout', () => {
    expect(DB_ACQUIRE_TIMEOUT_MS).toBeLessThan(gatewayDefaults.GATEWAY_UPSTREAM_HOLD_MS);
    expect(gatewayDefaults.GATEWAY_UPSTREAM_HOLD_MS).toBeLessThan(
      gatewayDefaults.GATEWAY_UPSTREAM_TIMEOUT_MS,
    );
  });
});
