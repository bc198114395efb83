import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createKafka, type KafkaClient } from '@ticketing/messaging/wiring';
import { kafkaClientFrom } from '@ticketing/platform';
import { createLogger } from '@ticketing/platform/wiring';
import { KAFKA_VERSION, kafkaLibs } from './kafka-jars';
import { run, spawnDetached } from './proc';
import { say } from './settings';

/** A client of the tools, on the client `KAFKA_CLIENT` names; `retries: 0` for a probe. */
export function infraKafka(brokers: string[], retries?: number): KafkaClient {
  return createKafka({
    client: kafkaClientFrom(process.env),
    brokers,
    clientId: 'infra',
    logger: createLogger({ service: 'infra', level: 'silent' }),
    retries,
  });
}

export async function kafkaReachable(brokers: string[]): Promise<boolean> {
  const admin = infraKafka(brokers, 0).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * A listener like a Strimzi `tls` listener with SCRAM users: SASL_SSL on port + 2, its own
 * users (made at format time), and ACLs enforced (StandardAuthorizer) for them; the plaintext
 * listener stays for the broker itself and the test's setup (an anonymous super user).
 */
export interface SecureListener {
  /** PEM file with the broker's PKCS#8 key and certificate chain. */
  keystorePem: string;
  users: { name: string; password: string }[];
}

/** One KRaft node: a broker and a controller in one process, as Strimzi's dual-role node pools. */
export interface KafkaNodeLayout {
  nodeId: number;
  /** The PLAINTEXT listener (clients and replication); the controller listens on `controllerPort`. */
  port: number;
  controllerPort: number;
  /** Every voter of the quorum: `id@host:controllerPort`, comma-separated. */
  voters: string;
  /** Replication and topic defaults (single-node or the production shape's). */
  brokerSettings: Record<string, string>;
  secure?: SecureListener;
}

function serverProperties(node: KafkaNodeLayout, dataDir: string): string {
  const { port, controllerPort: controller, secure } = node;
  const sasl = port + 2;
  const listeners = secure
    ? [
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller},SASL_SSL://127.0.0.1:${sasl}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL_SSL://127.0.0.1:${sasl}`,
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL',
        'sasl.enabled.mechanisms=SCRAM-SHA-512',
        'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'ssl.keystore.type=PEM',
        `ssl.keystore.location=${secure.keystorePem}`,
        'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'allow.everyone.if.no.acl.found=false',
        'super.users=User:ANONYMOUS',
      ]
    : [
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      ];
  return [
    'process.roles=broker,controller',
    `node.id=${node.nodeId}`,
    `controller.quorum.voters=${node.voters}`,
    ...listeners,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=6',
    ...Object.entries(node.brokerSettings).map(([key, value]) => `${key}=${value}`),
    // Fast test consumers: join at once, allow short sessions.
    'group.initial.rebalance.delay.ms=0',
    'group.min.session.timeout.ms=1000',
    'log.retention.hours=24',
    'log.segment.bytes=67108864',
    '',
  ].join('\n');
}

// Log4j 2 (Kafka 4): warnings and the controller's lines to the broker's own log file.
const LOG4J2 = [
  'appender.stdout.type=Console',
  'appender.stdout.name=STDOUT',
  'appender.stdout.layout.type=PatternLayout',
  'appender.stdout.layout.pattern=[%d] %p %m (%c)%n',
  'rootLogger.level=WARN',
  'rootLogger.appenderRef.stdout.ref=STDOUT',
  'logger.controller.name=kafka.controller',
  'logger.controller.level=INFO',
  '',
].join('\n');

/**
 * How a JVM of ours runs. `server`: a broker that carries load for as long as it is up (the dev
 * broker, whose figures the benchmarks report). `brief`: a tool run, or a broker a test starts
 * and stops within a minute: C1 alone compiles and the serial collector collects, since C2's and
 * G1's own threads are most of a JVM's CPU while it starts.
 */
export type JvmProfile = 'server' | 'brief';

const JVM_OPTIONS: Record<JvmProfile, string[]> = {
  server: ['-XX:+UseG1GC'],
  brief: ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'],
};

/**
 * A broker's heap. A server's is sized once, as Kafka's production guidance has it (-Xms = -Xmx):
 * a heap growing from a smaller start through a long run looks like growth in a soak (the
 * brokers' RSS +21 % over 25 minutes, from 256 MB towards the cap). And touched at start: G1
 * moves on to regions it never used all through a run, each page resident on first touch (the
 * next soak's brokers +11 % over 25 minutes at a fixed heap).
 */
const HEAP: Record<JvmProfile, string[]> = {
  server: ['-Xms768m', '-Xmx768m', '-XX:+AlwaysPreTouch'],
  brief: ['-Xms256m', '-Xmx768m'],
};

/**
 * Writes a node's configuration under `home` and formats its storage for `clusterId` unless it
 * holds a cluster's data already (every node of one cluster is formatted with the same id).
 */
export function prepareKafkaNode(home: string, node: KafkaNodeLayout, clusterId: string): void {
  const libs = kafkaLibs();
  const dataDir = path.join(home, 'data');
  fs.mkdirSync(home, { recursive: true });
  const props = path.join(home, 'server.properties');
  fs.writeFileSync(props, serverProperties(node, dataDir));
  fs.writeFileSync(path.join(home, 'log4j2.properties'), LOG4J2);
  // Storage formatted by another Kafka version (an earlier checkout's broker) is started afresh:
  // local data is disposable, a mismatched metadata version is not.
  const formattedBy = path.join(home, 'formatted-by');
  const formatted = fs.existsSync(formattedBy) ? fs.readFileSync(formattedBy, 'utf8').trim() : '';
  if (fs.existsSync(dataDir) && formatted !== KAFKA_VERSION) {
    say(`discarding local Kafka data of another version`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  if (!fs.existsSync(path.join(dataDir, 'meta.properties'))) {
    say(`formatting KRaft storage of node ${node.nodeId} (cluster ${clusterId})`);
    run('java', [
      ...JVM_OPTIONS.brief,
      '-cp',
      `${libs}/*`,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      props,
      ...(node.secure?.users ?? []).flatMap((u) => [
        '--add-scram',
        `SCRAM-SHA-512=[name=${u.name},password=${u.password}]`,
      ]),
    ]);
    fs.writeFileSync(formattedBy, KAFKA_VERSION);
  }
}

/** Starts the node prepared under `home` (it outlives this process); returns its pid. */
export function spawnKafkaNode(home: string, jvm: JvmProfile = 'server'): number {
  const libs = kafkaLibs();
  say(`starting a private Kafka ${KAFKA_VERSION} (KRaft) from ${home}`);
  return spawnDetached(
    'java',
    [
      ...HEAP[jvm],
      ...JVM_OPTIONS[jvm],
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${path.join(home, 'log4j2.properties')}`,
      '-cp',
      `${libs}/*`,
      'kafka.Kafka',
      path.join(home, 'server.properties'),
    ],
    kafkaLog(home),
  );
}

/** Where a node started from `home` writes its log (appended to by each start). */
export function kafkaLog(home: string): string {
  return path.join(home, 'kafka.log');
}

/**
 * A KRaft cluster id: 16 random bytes, base64url, never starting with '-' (the storage tool
 * would read such an id as an option and refuse it; Kafka's own Uuid.randomUuid skips those too).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
