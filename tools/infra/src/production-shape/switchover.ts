import { NotYet, retryUntil } from '@ticketing/platform';
import { catchesSignal, isAlive, waitFor } from '../proc';
import { say } from '../settings';
import type { PostgresInstance, PostgresPair } from './postgres-pair';

/**
 * Asks the operator process `operatorPid` for a switchover of `pair` (SIGUSR2) and resolves once
 * Postgres itself says it is over: the other instance is the primary, and the old primary
 * streams from it as the standby its commits wait for. The roles are said as they change; the
 * operator's `log` is named when it does not get there.
 */
export async function switchOver(
  pair: PostgresPair,
  operatorPid: number,
  log: string,
  timeoutMs = 120_000,
): Promise<void> {
  // Asked again for a while: on a busy machine an instance can miss one check's two seconds.
  let found: PostgresInstance | undefined;
  await waitFor(
    'a Postgres primary to switch over from',
    async () => Boolean((found = await pair.primary())),
    30_000,
  );
  const from = found;
  if (!from) throw new Error('no Postgres instance is the primary: nothing to switch over from');
  const to = pair.other(from);
  // Sent before the operator handles it (just started), SIGUSR2 would end it instead.
  await waitFor(
    'the operator to take requests',
    async () => catchesSignal(operatorPid, 'SIGUSR2') !== false,
    30_000,
  );
  process.kill(operatorPid, 'SIGUSR2');
  let seen = '';
  const gone = new Error(`the operator stopped before the switchover was over (${log})`);
  await retryUntil(
    async () => {
      if (!isAlive(operatorPid)) throw gone;
      const [was, is] = await Promise.all([pair.roleOf(from), pair.roleOf(to)]);
      const over =
        was === 'standby' &&
        is === 'primary' &&
        (await pair.streaming(to, { synchronous: true }).catch(() => false));
      const now = `${from.name} ${was}, ${to.name} ${is}${over ? `, its commits wait for ${from.name}` : ''}`;
      if (now !== seen) say(`Postgres: ${(seen = now)}`);
      if (!over) throw new NotYet();
    },
    {
      timeoutMs,
      intervalMs: 250,
      retryOn: (err) => err !== gone,
      onTimeout: () => new Error(`no switchover within ${timeoutMs / 1000} s: ${seen} (${log})`),
    },
  );
}
