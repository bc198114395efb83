import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import type { Admin } from '@ticketing/messaging/wiring';
import {
  infraKafka,
  kafkaLog,
  kafkaReachable,
  newClusterId,
  prepareKafkaNode,
  spawnKafkaNode,
  type KafkaNodeLayout,
} from '../kafka-node';
import { kafkaLibs } from '../kafka-jars';
import { isAlive, stopPid, waitFor, waitForProcess } from '../proc';
import { PRODUCTION_BROKER_SETTINGS, PRODUCTION_KAFKA_NODES } from './broker-settings';
import { shapeBrokers } from './ports';

const execFileAsync = promisify(execFile);

export interface KafkaClusterState {
  home: string;
  /** The first node's PLAINTEXT port; node n (1-based) listens on base + 2(n-1), its controller on the next port. */
  basePort: number;
  pids: Record<number, number>;
}

/**
 * Three KRaft nodes, each a broker and a controller (a Strimzi dual-role node pool of three),
 * with the production broker settings: what the fault suite kills, restarts and rolls. The nodes
 * outlive this process (their pids are in `state`, which the infrastructure tool persists).
 */
export class KafkaCluster {
  private constructor(readonly state: KafkaClusterState) {}

  /** Formats and starts every node, and waits until all three serve. */
  static async start(home: string, basePort: number): Promise<KafkaCluster> {
    const cluster = new KafkaCluster({ home, basePort, pids: {} });
    const clusterId = cluster.clusterId();
    for (const node of cluster.nodeIds())
      prepareKafkaNode(cluster.homeOf(node), cluster.layout(node), clusterId);
    for (const node of cluster.nodeIds())
      cluster.state.pids[node] = spawnKafkaNode(cluster.homeOf(node));
    try {
      await cluster.waitServing();
    } catch (err) {
      // Nodes that never formed a cluster must not hold its ports for the next attempt.
      await Promise.all(cluster.nodeIds().map((n) => cluster.stop(n)));
      throw err;
    }
    return cluster;
  }

  /** The cluster a persisted state describes (its nodes may be up or down). */
  static attach(state: KafkaClusterState): KafkaCluster {
    return new KafkaCluster(state);
  }

  nodeIds(): number[] {
    return Array.from({ length: PRODUCTION_KAFKA_NODES }, (_, i) => i + 1);
  }

  portOf(node: number): number {
    return this.state.basePort + 2 * (node - 1);
  }

  get brokers(): string[] {
    return shapeBrokers(this.state.basePort, PRODUCTION_KAFKA_NODES);
  }

  isRunning(node: number): boolean {
    const pid = this.state.pids[node];
    return pid !== undefined && isAlive(pid);
  }

  /** SIGKILL: the node's process is gone at once, nothing handed over (a node lost). */
  async kill(node: number): Promise<void> {
    const pid = this.state.pids[node];
    if (pid === undefined || !isAlive(pid)) return;
    process.kill(pid, 'SIGKILL');
    await waitFor(`Kafka node ${node} to die`, async () => !isAlive(pid), 10_000);
  }

  /** SIGTERM: a controlled shutdown (leadership handed over first), as a rolling restart does. */
  async stop(node: number): Promise<void> {
    const pid = this.state.pids[node];
    if (pid !== undefined) await stopPid(pid, 60_000);
  }

  /** Starts a stopped or killed node again on its data, and waits until it serves. */
  async startAgain(node: number): Promise<void> {
    const pid = spawnKafkaNode(this.homeOf(node));
    this.state.pids[node] = pid;
    await waitForProcess(
      `Kafka node ${node}`,
      pid,
      kafkaLog(this.homeOf(node)),
      () => kafkaReachable([`127.0.0.1:${this.portOf(node)}`]),
      120_000,
    );
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodeIds().map((n) => this.stop(n)));
    fs.rmSync(this.state.home, { recursive: true, force: true });
  }

  /**
   * The node that leads the KRaft quorum now, as `kafka-metadata-quorum.sh describe --status`
   * tells an operator (a client's DescribeCluster names any broker as "controller" in KRaft).
   */
  async activeController(): Promise<number> {
    const controllers = this.nodeIds()
      .filter((n) => this.isRunning(n))
      .map((n) => `127.0.0.1:${this.portOf(n) + 1}`)
      .join(',');
    // A JVM of its own, run without blocking this process (a test's sale goes on meanwhile).
    const { stdout } = await execFileAsync('java', [
      '-cp',
      `${kafkaLibs()}/*`,
      'org.apache.kafka.tools.MetadataQuorumCommand',
      '--bootstrap-controller',
      controllers,
      'describe',
      '--status',
    ]);
    const leader = /LeaderId:\s+(\d+)/.exec(stdout);
    if (!leader) throw new Error(`no quorum leader in: ${stdout}`);
    return Number(leader[1]);
  }

  /** Partitions of `topics` each node leads now. */
  async leadership(topics: string[]): Promise<Map<number, number>> {
    return this.withAdmin(async (admin) => {
      const led = new Map<number, number>();
      for (const topic of await admin.topicMetadata(topics))
        for (const p of topic.partitions) led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
      return led;
    });
  }

  /** Partitions (of every topic, internal ones included) whose in-sync replicas are not all of them. */
  async underReplicated(): Promise<string[]> {
    return this.withAdmin(async (admin) => {
      const names = await admin.listTopics();
      return (await admin.topicMetadata(names)).flatMap((t) =>
        t.partitions
          .filter((p) => p.isr.length < p.replicas.length || p.leader < 0)
          .map((p) => `${t.topic}/${p.partition}`),
      );
    });
  }

  /** Waits until every partition has all its replicas in sync (what a rolling restart waits for). */
  async waitInSync(timeoutMs = 120_000): Promise<void> {
    await waitFor(
      'every partition in sync',
      async () => (await this.underReplicated()).length === 0,
      timeoutMs,
    );
  }

  private async waitServing(): Promise<void> {
    await waitFor(
      'three Kafka nodes',
      () =>
        this.withAdmin(async (admin) => {
          const { brokers } = await admin.describeCluster();
          return brokers.length === PRODUCTION_KAFKA_NODES;
        }),
      120_000,
    );
  }

  private async withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = infraKafka(
      this.nodeIds()
        .filter((n) => this.isRunning(n))
        .map((n) => `127.0.0.1:${this.portOf(n)}`),
      2,
    ).admin();
    await admin.connect();
    try {
      return await use(admin);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private homeOf(node: number): string {
    return path.join(this.state.home, `node-${node}`);
  }

  private layout(node: number): KafkaNodeLayout {
    return {
      nodeId: node,
      port: this.portOf(node),
      controllerPort: this.portOf(node) + 1,
      voters: this.nodeIds()
        .map((n) => `${n}@127.0.0.1:${this.portOf(n) + 1}`)
        .join(','),
      brokerSettings: PRODUCTION_BROKER_SETTINGS,
    };
  }

  /** One id for the cluster's lifetime: kept beside the nodes so a restart formats nothing anew. */
  private clusterId(): string {
    const file = path.join(this.state.home, 'cluster-id');
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
    fs.mkdirSync(this.state.home, { recursive: true });
    const id = newClusterId();
    fs.writeFileSync(file, id);
    return id;
  }
}
