import { parseArgs } from 'node:util';
import pino from 'pino';
import { ALL_TOPICS, LOCAL_DEFAULTS } from '@ticketing/contracts';
import { TopicNamespace, dltOf } from '@ticketing/messaging';
import {
  countByTopicAndReason,
  createKafka,
  readDeadLetters,
  redriveDeadLetters,
  where,
  type DeadLetter,
} from '@ticketing/messaging/wiring';
import {
  ConfigError,
  EXIT_CONFIG,
  env,
  kafkaClientEnv,
  kafkaSecurityEnv,
  kafkaSecurityFrom,
  loadConfig,
} from '@ticketing/platform';
import { createLogger } from '@ticketing/platform/wiring';
import { UsageError, dltTopicOf, sinceOf } from './dlt-args';

/**
 * `npm run -s dlt -- list|redrive`: what sits on the `.dlt` topics, by topic and reason, and sending
 * chosen dead letters back to the topics they came from once their cause is fixed
 * (docs/operations.md, Dead letters). Exit 0, 64 for a bad command line, 78 for bad variables.
 */
const USAGE = `usage:
  npm run -s dlt -- list [--topic T] [--since 2026-11-24T10:00:00Z|30m|6h|7d] [--json]
  npm run -s dlt -- redrive --topic T (--id ID ... | --all) [--since ...]
T: a topic or its .dlt (wallet.commands or wallet.commands.dlt; KAFKA_TOPIC_PREFIX is added).
ID: a message id (list shows it) or where the dead letter sits (topic/partition/offset).`;

function line(l: DeadLetter): string {
  return [
    where(l),
    l.reason,
    `from ${l.original.topic}/${l.original.partition}/${l.original.offset}`,
    `group ${l.consumerGroup}`,
    l.type ?? '(no type)',
    l.id ?? '(no id)',
    l.failedAt,
    JSON.stringify(l.error),
  ].join('  ');
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      topic: { type: 'string' },
      since: { type: 'string' },
      id: { type: 'string', multiple: true },
      all: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const command = positionals[0];
  if (command !== 'list' && command !== 'redrive')
    throw new UsageError('a command: list or redrive');
  const config = loadConfig(
    {
      KAFKA_BROKERS: env.hostList(LOCAL_DEFAULTS.kafkaBrokers),
      KAFKA_TOPIC_PREFIX: env.string({ default: '', minLength: 0 }),
      LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error', 'silent'], 'info'),
      ...kafkaClientEnv,
      ...kafkaSecurityEnv,
    },
    process.env,
  );
  const namespace = new TopicNamespace(config.KAFKA_TOPIC_PREFIX);
  // Logs go to stderr (synchronously: the process exits right after): stdout is the answer.
  const logger = createLogger({
    service: 'dlt',
    level: config.LOG_LEVEL,
    destination: pino.destination({ dest: 2, sync: true }),
  });
  const since = sinceOf(values.since);
  const kafka = createKafka({
    client: config.KAFKA_CLIENT,
    brokers: config.KAFKA_BROKERS,
    clientId: 'dlt-cli',
    logger,
    security: kafkaSecurityFrom(config),
  });

  if (command === 'list') {
    const topics = values.topic
      ? [dltTopicOf(values.topic, namespace)]
      : ALL_TOPICS.map((t) => dltOf(namespace.name(t)));
    const letters = await readDeadLetters(kafka, topics, { since });
    if (values.json) {
      const plain = letters.map(({ message: _message, ...rest }) => rest);
      process.stdout.write(`${JSON.stringify(plain, null, 2)}\n`);
      return 0;
    }
    process.stdout.write(
      `${letters.length} dead letter(s)${since ? ` since ${since.toISOString()}` : ''}\n`,
    );
    for (const c of countByTopicAndReason(letters))
      process.stdout.write(`  ${c.topic}  ${c.reason}  ${c.count}\n`);
    for (const l of letters) process.stdout.write(`${line(l)}\n`);
    return 0;
  }

  if (!values.topic) throw new UsageError('redrive needs --topic');
  if (!values.all && !values.id?.length) throw new UsageError('redrive needs --id ID or --all');
  if (values.all && values.id?.length) throw new UsageError('--id and --all together');
  const topic = dltTopicOf(values.topic, namespace);
  const letters = await readDeadLetters(kafka, [topic], { since });
  const wanted = new Set(values.id ?? []);
  const chosen = values.all
    ? letters
    : letters.filter((l) => wanted.has(l.id ?? '') || wanted.has(where(l)));
  const found = new Set(chosen.flatMap((l) => [l.id, where(l)]));
  const unknown = [...wanted].filter((id) => !found.has(id));
  if (unknown.length > 0) throw new UsageError(`not on ${topic}: ${unknown.join(', ')}`);
  const producer = kafka.publisher();
  await producer.connect();
  try {
    await redriveDeadLetters(producer, chosen);
  } finally {
    await producer.disconnect();
  }
  for (const l of chosen)
    logger.info(
      {
        deadLetter: where(l),
        to: l.original.topic,
        messageId: l.id,
        type: l.type,
        reason: l.reason,
      },
      'dead letter redriven',
    );
  process.stdout.write(`${chosen.length} dead letter(s) sent back from ${topic}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (thrown: unknown) => {
    let err = thrown;
    if (
      err instanceof UsageError ||
      String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')
    ) {
      if (!(err instanceof UsageError)) err = new UsageError((err as Error).message);
      process.stderr.write(`dlt: ${(err as Error).message}\n${USAGE}\n`);
      process.exit(64);
    }
    process.stderr.write(
      `dlt: ${err instanceof ConfigError ? err.message : ((err as Error).stack ?? String(err))}\n`,
    );
    process.exit(err instanceof ConfigError ? EXIT_CONFIG : 1);
  },
);
