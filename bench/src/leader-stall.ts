/**
 * `npm run leader-stall -- [kafkajs|platformatic|confluent] [--kill=leader|coordinator|controller]`:
 * how long a lost partition leader stalls one produce → consume chain on the project's Kafka
 * adapter, alone (issue 72: the fault suite's payments cross seven such hops on a loaded machine;
 * this is one hop on a quiet one, in ~100 s).
 * Three KRaft nodes with the production broker settings, a topic of 6 partitions (3 replicas,
 * min.insync 2), a message every 50 ms stamped with its send time, one group member; after 20 s
 * the node leading most partitions is killed (SIGKILL), and started again 20 s later. Prints, per
 * second after the kill, the longest a message sent in that second took to be consumed, and the
 * group's events (a member that crashes is started again, as the services' supervisor does).
 * `--kill=coordinator` kills the node coordinating the group instead (it leads some of the
 * partitions too): the fault suite's leader kill often takes a group's coordinator with it;
 * `--kill=controller` the active KRaft controller (a broker too: the quorum elects another first).
 */
import os from 'node:os';
import path from 'node:path';
import { freePort, KafkaCluster } from '@ticketing/infra';
import {
  createKafka,
  type ConsumerGroupMember,
  type Admin,
  type KafkaClient,
} from '@ticketing/messaging/wiring';
import { KAFKA_CLIENTS, kafkaClientFrom, type KafkaClientName } from '@ticketing/platform';
import { createLogger } from '@ticketing/platform/process';

const TOPIC = 'leader-stall';
const GROUP = 'leader-stall';
const SEND_EVERY_MS = 50;
const STEADY_MS = 20_000;
const DOWN_MS = 20_000;
const AFTER_MS = 25_000;

const started = Date.now();
const say = (line: string) =>
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Victim = 'leader' | 'coordinator' | 'controller';

async function main(client: KafkaClientName, kill: Victim) {
  const cluster = await KafkaCluster.start(
    path.join(os.tmpdir(), `leader-stall-${process.pid}`),
    await freePort(6),
  );
  const logger = createLogger({ service: 'leader-stall', instance: '1', level: 'silent' });
  const kafka = createKafka({ client, brokers: cluster.brokers, clientId: 'leader-stall', logger });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics([
    { topic: TOPIC, partitions: 6, config: { 'min.insync.replicas': '2' } },
  ]);
  const consumed: [sentAt: number, consumedAt: number][] = [];
  // A member that crashes for good is started again after 500 ms, as the services' supervisor does.
  let member: ConsumerGroupMember;
  const restart = () =>
    void sleep(500)
      .then(() => member.stop().catch(() => undefined)) // out of the group first
      .then(() => startMember(kafka, consumed, restart))
      .then((m) => (member = m));
  member = await startMember(kafka, consumed, restart);
  const publisher = kafka.publisher();
  await publisher.connect();
  let sending = true;
  let longestSendMs = 0;
  const sender = (async () => {
    for (let i = 0; sending; i++) {
      const sentAt = Date.now();
      void publisher
        .send({ topic: TOPIC, messages: [{ key: String(i % 60), value: String(sentAt) }] })
        .then(() => (longestSendMs = Math.max(longestSendMs, Date.now() - sentAt)));
      await sleep(SEND_EVERY_MS);
    }
  })();
  await sleep(STEADY_MS);
  const [metadata] = await admin.topicMetadata([TOPIC]);
  const led = new Map<number, number>();
  for (const p of metadata!.partitions) led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
  const coordinator = await coordinatorOf(admin, GROUP);
  const victim =
    kill === 'coordinator'
      ? coordinator
      : kill === 'controller'
        ? await cluster.activeController()
        : [...led.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  say(
    `node ${victim} leads ${led.get(victim) ?? 0} of 6 partitions` +
      `${victim === coordinator ? ' and coordinates the group' : ''}: killed`,
  );
  const killedAt = Date.now();
  await cluster.kill(victim);
  await sleep(DOWN_MS);
  say(`node ${victim} started again`);
  await cluster.startAgain(victim);
  await sleep(AFTER_MS);
  sending = false;
  await sender;
  await sleep(3000);
  report(client, consumed, killedAt, longestSendMs);
  await member.stop();
  await publisher.disconnect();
  await admin.disconnect();
  await cluster.destroy();
}

/** One group member consuming the topic; its events said as they come. */
async function startMember(
  kafka: KafkaClient,
  consumed: [number, number][],
  onCrash: () => void = () => undefined,
): Promise<ConsumerGroupMember> {
  const member = kafka.groupMember(
    GROUP,
    {
      assigned: (a) => say(`assigned ${JSON.stringify(a)}`),
      left: () => say('left the group'),
      rebalancing: () => say('rebalancing'),
      crashed: (err, restarts) => {
        say(`crashed (${err.message}); the client restarts it itself: ${restarts}`);
        if (!restarts) onCrash();
      },
    },
    { maxWaitMs: 200 },
  );
  await member.run({
    topics: [TOPIC],
    fromBeginning: true,
    concurrency: 6,
    eachBatch: async (batch) => {
      const now = Date.now();
      for (const m of batch.messages) {
        consumed.push([Number(m.value?.toString()), now]);
        batch.resolveOffset(m.offset);
      }
      const next = String(BigInt(batch.lastOffset()) + 1n);
      await batch.commit([
        { topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] },
      ]);
    },
  });
  return member;
}

/**
 * The node coordinating `groupId`: the leader of its partition of `__consumer_offsets`, which is
 * Java's `String.hashCode` of the id, made positive, modulo that topic's partitions (Kafka's rule).
 */
async function coordinatorOf(admin: Admin, groupId: string): Promise<number> {
  let hash = 0;
  for (let i = 0; i < groupId.length; i++) hash = (Math.imul(31, hash) + groupId.charCodeAt(i)) | 0;
  const [offsets] = await admin.topicMetadata(['__consumer_offsets']);
  const partition = (hash & 0x7fffffff) % offsets!.partitions.length;
  return offsets!.partitions.find((p) => p.partition === partition)!.leader;
}

function report(
  client: string,
  consumed: [number, number][],
  killedAt: number,
  longestSendMs: number,
) {
  const tookMs = (from: number, to: number) =>
    consumed.filter(([s]) => s >= from && s < to).map(([s, c]) => c - s);
  const perSecond = Array.from({ length: 30 }, (_, k) => {
    const took = tookMs(killedAt + k * 1000, killedAt + (k + 1) * 1000);
    return took.length > 0 ? Math.max(...took) : null;
  });
  const before = tookMs(0, killedAt - 2000).sort((a, b) => a - b);
  const firstAfter = consumed.filter(([s]) => s >= killedAt).sort((a, b) => a[1] - b[1])[0];
  process.stdout.write(
    `${JSON.stringify({
      client,
      medianBeforeMs: before[Math.floor(before.length / 2)],
      longestAfterKillMs: Math.max(...perSecond.map((v) => v ?? 0)),
      firstConsumedAfterKillS: firstAfter ? (firstAfter[1] - killedAt) / 1000 : null,
      longestSendMs,
      perSecondAfterKillMs: perSecond,
    })}\n`,
  );
}

const client = (process.argv.slice(2).find((a) => !a.startsWith('--')) ??
  kafkaClientFrom()) as KafkaClientName;
const kill = (process.argv.find((a) => a.startsWith('--kill='))?.slice(7) ?? 'leader') as Victim;
if (!KAFKA_CLIENTS.includes(client)) {
  process.stderr.write(
    `leader-stall: the client is one of ${KAFKA_CLIENTS.join(', ')}, got "${client}"\n`,
  );
  process.exit(2);
}
main(client, kill).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`leader-stall failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
