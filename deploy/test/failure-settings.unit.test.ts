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

describe('the settings the manifests ship for a bad day', () => {
  it("when the fault suite runs its brokers, then they run exactly the manifest's broker settings", () => {
    const shipped = Object.fromEntries(
      Object.entries(brokerConfig).map(([key, value]) => [key, String(value)]),
    );
    expect(shipped).toEqual(PRODUCTION_BROKER_SETTINGS);
    expect(nodePool.spec).toMatchObject({ replicas: 3, roles: ['controller', 'broker'] });
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
