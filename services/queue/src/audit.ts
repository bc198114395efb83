import { parseArgs } from 'node:util';
import { SERVICES } from '@ticketing/contracts';
import { queueKeys, userEntry } from '@ticketing/queue-pass';
import {
  redisEnv,
  Database,
  env,
  loadConfig,
  postgresEnv,
  ConfigError,
  EXIT_CONFIG,
} from '@ticketing/platform';
import { connectRedis, createDb } from '@ticketing/platform/wiring';
import { PgLineJournal } from './data-access/line-journal';
import { RedisQueueStore } from './data-access/queue-store';
import {
  checkFairness,
  parseRanges,
  type FairnessReport,
  type HeadMove,
  type Recovery,
} from './domain/fairness';

/**
 * `npm run audit -- --concert N [--user ID] [--verbose]`: checks that a concert's admissions
 * followed the fans' numbers except recorded idle drops (ADR 0015), printing the evidence: the
 * audit stream in Redis (a line rebuilt after a loss resumes there at the head Postgres had),
 * and the head moves Postgres recorded, which survive Redis (ADR 0024). Exit 0 when they did, 1
 * when a record departs from number order, 78 for bad arguments.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      concert: { type: 'string' },
      user: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const concertId = Number(values.concert);
  if (!Number.isInteger(concertId) || concertId <= 0) {
    process.stderr.write('audit: --concert must be a concert id (a positive integer)\n');
    return EXIT_CONFIG;
  }
  const config = loadConfig(
    {
      ...redisEnv(),
      REDIS_KEY_PREFIX: env.string({ default: '', minLength: 0 }),
      ...postgresEnv(SERVICES.queue.database),
    },
    process.env,
  );
  const redis = connectRedis(config.REDIS_URL, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    login: config,
  });
  const knex = createDb({ url: config.DATABASE_URL, applicationName: 'queue-audit' });
  try {
    const store = new RedisQueueStore(redis, config.REDIS_KEY_PREFIX);
    const records = await store.line.auditRecords(concertId);
    const moves: (HeadMove | Recovery)[] = [];
    let sweptIdle = 0;
    for (const r of records) {
      if (r.kind === 'sweep') {
        sweptIdle += parseRanges(r.idle).length;
        continue;
      }
      if (r.kind === 'recover') {
        moves.push({ kind: 'recover', id: r.id, head: Number(r.head), atMs: Number(r.at) });
        process.stdout.write(
          `${r.id} ${new Date(Number(r.at)).toISOString()} the line was rebuilt after Redis lost it: resumed at head ${r.head}, numbers up to ${r.issued} presumed in line, new numbers after ${r.reserved}, ${r.ranges} admitted range(s) still active (${r.active} fans)\n`,
        );
        continue;
      }
      moves.push({
        id: r.id,
        from: Number(r.from),
        to: Number(r.to),
        atMs: Number(r.at),
        admitted: Number(r.admitted),
        idle: parseRanges(r.idle),
        gone: Number(r.gone),
      });
      if (values.verbose)
        process.stdout.write(
          `${r.id} ${new Date(Number(r.at)).toISOString()} numbers ${r.from}..${r.to}: ${r.admitted} admitted, idle [${r.idle}], ${r.gone} gone\n`,
        );
    }
    const report = checkFairness(moves);
    process.stdout.write(
      `concert ${concertId}: ${report.moves} head moves over numbers 1..${report.head}${report.recoveries > 0 ? ` (${report.recoveries} rebuild(s) after a loss of Redis)` : ''}; ${report.admitted} admitted in number order, ${report.skippedIdle} skipped as idle at the head, ${sweptIdle} dropped as idle behind it, ${report.gone} gone when their turn came\n`,
    );
    const durable = await durableReport(
      new PgLineJournal(new Database(knex)),
      concertId,
      await redis.hget(queueKeys(concertId).meta, 'epoch'),
    );
    if (durable)
      process.stdout.write(
        `concert ${concertId}, as Postgres recorded it: ${durable.moves} head moves over numbers 1..${durable.head}; ${durable.admitted} admitted in number order, ${durable.skippedIdle} skipped as idle, ${durable.gone} gone\n`,
      );
    const problems = [
      ...report.problems,
      ...(durable?.problems.map((p) => `Postgres: ${p}`) ?? []),
    ];
    if (values.user) {
      const { key, field } = userEntry(concertId, values.user);
      const held = await redis.hget(key, field as unknown as string);
      const number = held && !/^[px]/.test(held) ? Number(held) : undefined;
      const move = number
        ? moves.find((m): m is HeadMove => !('kind' in m) && m.from <= number && number <= m.to)
        : undefined;
      process.stdout.write(
        number === undefined
          ? `user ${values.user}: holds no number now\n`
          : `user ${values.user}: number ${number}; ${move ? `its turn came in record ${move.id} at ${new Date(move.atMs).toISOString()}${move.idle.includes(number) ? ' (skipped as idle)' : ''}` : 'its turn has not come yet'}\n`,
      );
    }
    for (const p of problems) process.stdout.write(`NOT FAIR: ${p}\n`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    redis.disconnect();
    await knex.destroy();
  }
}

/**
 * The head moves Postgres recorded for the concert's line (the open one, or the life Redis
 * names): they survive a loss of Redis, so they cover the line from its first number.
 */
async function durableReport(
  journal: PgLineJournal,
  concertId: number,
  redisEpoch: string | null,
): Promise<FairnessReport | undefined> {
  const epoch = (await journal.line(concertId))?.epoch ?? (redisEpoch && Number(redisEpoch));
  if (!epoch) return undefined;
  const moves = (await journal.admissions(concertId, epoch)).map((a) => ({
    id: `postgres:${a.from}`,
    from: a.from,
    to: a.to,
    atMs: a.atMs,
    admitted: a.admitted,
    idle: parseRanges(a.idle),
    gone: parseRanges(a.gone).length,
  }));
  return moves.length > 0 ? checkFairness(moves) : undefined;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `audit: ${err instanceof ConfigError ? err.message : ((err as Error).stack ?? String(err))}\n`,
    );
    process.exit(err instanceof ConfigError ? EXIT_CONFIG : 1);
  },
);
