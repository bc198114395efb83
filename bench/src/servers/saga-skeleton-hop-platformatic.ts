// The saga skeleton's hop (saga-skeleton-hop.ts) on another Kafka client, @platformatic/kafka,
// with the same settings where it has them (idempotent producer, acks=all, 2 s fetch waits,
// offsets committed every 500 ms): what the skeleton costs when the client is not kafkajs.
// Bench only (`--only=skeleton-clients`); the services use kafkajs (ADR 0018).
import { createServer } from 'node:http';
import pg from 'pg';
import { CLAIM_STATEMENT, required } from './skeleton-step';

const from = required('HOP_FROM');
const to = required('HOP_TO');
const groupId = required('HOP_GROUP');
const bootstrapBrokers = required('KAFKA_BROKERS').split(',');
const db = new pg.Client({ connectionString: required('DATABASE_URL') });
let assigned = false;
let stopping = false;

async function main(): Promise<void> {
  // An ECMAScript module: imported, not required, from this CommonJS program.
  const { Consumer, Producer, stringDeserializers, stringSerializers } =
    await import('@platformatic/kafka');
  const producer = new Producer({
    clientId: groupId,
    bootstrapBrokers,
    serializers: stringSerializers,
    idempotent: true,
    acks: -1,
    autocreateTopics: false,
  });
  const consumer = new Consumer({
    groupId,
    clientId: groupId,
    bootstrapBrokers,
    deserializers: stringDeserializers,
    maxWaitTime: 2000,
    sessionTimeout: 10_000,
    heartbeatInterval: 2000,
  });
  await db.connect();
  const stream = await consumer.consume({ topics: [from], mode: 'earliest', autocommit: 500 });
  assigned = true; // consume() returns once the member has joined the group
  createServer((_req, res) => {
    res.writeHead(assigned ? 200 : 503).end();
  }).listen(Number(process.env.PORT), '127.0.0.1');
  process.once('SIGTERM', () => {
    stopping = true;
    void stream
      .close()
      .then(() => consumer.close(true))
      .then(() => producer.close())
      .then(() => db.end())
      .finally(() => process.exit(0));
  });
  for await (const message of stream) {
    if (stopping) break;
    await db.query({ ...CLAIM_STATEMENT, values: [message.key] });
    await producer.send({ messages: [{ topic: to, key: message.key, value: message.value }] });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`the skeleton hop did not start: ${String(err)}\n`);
  process.exit(1);
});
