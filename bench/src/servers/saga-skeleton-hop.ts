// One step of the saga's skeleton (bench/src/skeleton.ts): take a message from HOP_FROM, make it
// durable with one statement (an inbox claim, synchronous commit), send it on to HOP_TO. The
// least any step of the saga does, through the project's Kafka port on the client KAFKA_CLIENT
// names, with the services' settings, and nothing else: no transaction, no outbox, no
// validation, no logging, no HTTP.
import { createServer } from 'node:http';
import pg from 'pg';
import { CLAIM_STATEMENT, required } from './skeleton-step';
import { createKafka, type CommitOffsets } from '@ticketing/messaging/wiring';
import { kafkaClientFrom } from '@ticketing/platform';
import { createLogger } from '@ticketing/platform/wiring';

/** The consumer commits what it handled every 500 ms, as the services do (ADR 0013). */
const COMMIT_EVERY_MS = 500;

const from = required('HOP_FROM');
const to = required('HOP_TO');
const groupId = required('HOP_GROUP');
const logger = createLogger({ service: 'saga-skeleton-hop', level: 'warn' });
const kafka = createKafka({
  client: kafkaClientFrom(process.env),
  brokers: required('KAFKA_BROKERS').split(','),
  clientId: groupId,
  logger,
});
const producer = kafka.publisher();
const db = new pg.Client({ connectionString: required('DATABASE_URL') });

let assigned = false;
const handled = new Map<number, string>(); // partition → next offset to consume
let commit: CommitOffsets | undefined;
const committer = setInterval(() => {
  if (!commit || handled.size === 0) return;
  const partitions = [...handled].map(([partition, offset]) => ({ partition, offset }));
  handled.clear();
  commit([{ topic: from, partitions }]).catch(() => undefined); // the next round commits later ones
}, COMMIT_EVERY_MS);

const member = kafka.groupMember(
  groupId,
  {
    assigned: () => void (assigned = true),
    left: () => undefined,
    rebalancing: () => undefined,
    crashed: (err) => {
      logger.error({ err }, 'the skeleton hop crashed');
      process.exit(1);
    },
  },
  // The services' setting (the client's default unless the run sets it: the smoke does, to stop
  // quickly).
  { maxWaitMs: Number(process.env.KAFKA_CONSUMER_MAX_WAIT_MS) || undefined },
);

async function main(): Promise<void> {
  await db.connect();
  await producer.connect();
  await member.run({
    topics: [from],
    fromBeginning: true,
    concurrency: 1,
    eachBatch: async (batch) => {
      for (const message of batch.messages) {
        await db.query({ ...CLAIM_STATEMENT, values: [message.key!.toString()] });
        await producer.send({
          topic: to,
          messages: [{ key: message.key, value: message.value }],
        });
        batch.resolveOffset(message.offset);
        handled.set(batch.partition, String(Number(message.offset) + 1));
      }
      commit = batch.commit;
    },
  });
  // Ready (200) once the group has given this member its partitions: a message sent before
  // would be read anyway (from the beginning), but its latency would include the join.
  createServer((_req, res) => {
    res.writeHead(assigned ? 200 : 503).end();
  }).listen(Number(process.env.PORT), '127.0.0.1');
}

process.once('SIGTERM', () => {
  clearInterval(committer);
  void member
    .stop()
    .then(() => producer.disconnect())
    .then(() => db.end())
    .finally(() => process.exit(0));
});

main().catch((err: unknown) => {
  logger.error({ err }, 'the skeleton hop did not start');
  process.exit(1);
});
