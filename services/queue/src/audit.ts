import { parseArgs } from 'node:util';
import { connectRedis, redisEnv, userEntry } from '@ticketing/auth';
import { env, loadConfig, ConfigError, EXIT_CONFIG } from '@ticketing/platform';
import { QueueStore } from './data-access/queue-store';
import { checkFairness, parseRanges, type HeadMove } from './domain/fairness';

/**
 * `npm run audit -- --concert N [--user ID] [--verbose]`: checks that a concert's admissions
 * followed the fans' numbers except recorded idle drops (ADR 0015), printing the evidence. Exit
 * 0 when they did, 1 when a record departs from number order, 78 for bad arguments.
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
    { ...redisEnv(), REDIS_KEY_PREFIX: env.string({ default: '', minLength: 0 }) },
    process.env,
  );
  const redis = connectRedis(config.REDIS_URL, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    login: config,
  });
  try {
    const store = new QueueStore(redis, config.REDIS_KEY_PREFIX);
    const records = await store.line.auditRecords(concertId);
    const moves: HeadMove[] = [];
    let sweptIdle = 0;
    for (const r of records) {
      if (r.kind === 'sweep') {
        sweptIdle += parseRanges(r.idle).length;
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
      `concert ${concertId}: ${report.moves} head moves over numbers 1..${report.head}; ${report.admitted} admitted in number order, ${report.skippedIdle} skipped as idle at the head, ${sweptIdle} dropped as idle behind it, ${report.gone} gone when their turn came\n`,
    );
    if (values.user) {
      const { key, field } = userEntry(concertId, values.user);
      const held = await redis.hget(key, field as unknown as string);
      const number = held && !held.startsWith('p') ? Number(held) : undefined;
      const move = number ? moves.find((m) => m.from <= number && number <= m.to) : undefined;
      process.stdout.write(
        number === undefined
          ? `user ${values.user}: holds no number now\n`
          : `user ${values.user}: number ${number}; ${move ? `its turn came in record ${move.id} at ${new Date(move.atMs).toISOString()}${move.idle.includes(number) ? ' (skipped as idle)' : ''}` : 'its turn has not come yet'}\n`,
      );
    }
    for (const p of report.problems) process.stdout.write(`NOT FAIR: ${p}\n`);
    return report.problems.length === 0 ? 0 : 1;
  } finally {
    redis.disconnect();
  }
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
