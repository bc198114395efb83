import { randomUUID } from 'node:crypto';
import { IdentityVerifier } from '@ticketing/auth';
import { createLogger } from '@ticketing/platform/wiring';
import { providerTokens } from '@ticketing/testing';
import type { LoadResult } from '../load';
import type { Row } from '../report';
import type { BenchContext } from '../context';

/**
 * What the identity check costs one instance: libs/auth's verifier against the development
 * provider (discovery, JWKS, jose), verifying tokens it has never seen (RS256 signature and
 * claims) and tokens it verified before (a client's next call with the same access token).
 */
export async function identityScenario(ctx: BenchContext): Promise<Row[]> {
  const verifier = new IdentityVerifier(
    {
      OIDC_ISSUER_URL: ctx.identityProvider.issuer,
      OIDC_AUDIENCE: 'ticketing',
      OIDC_JWKS_COOLDOWN_SECONDS: 30,
    },
    createLogger({ service: 'bench', level: 'warn' }),
  ).start();
  try {
    for (
      let i = 0;
      i < 100 &&
      (await verifier.readinessCheck().then(
        () => false,
        () => true,
      ));
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    const n = ctx.smoke ? 200 : 5000;
    const tokens = await providerTokens(
      Array.from({ length: n }, () => randomUUID()),
      ctx.identityProvider,
    );
    const fresh = await timed(`verify ${n} new tokens`, tokens, (t) => verifier.verify(t));
    const known = await timed(`verify ${n} known tokens`, tokens, (t) => verifier.verify(t));
    const crowdTokens = await providerTokens(
      Array.from({ length: n }, () => randomUUID()),
      ctx.identityProvider,
    );
    const crowd = await timed(
      `verify ${n} new tokens, 100 at a time`,
      crowdTokens,
      (t) => verifier.verify(t),
      100,
    );
    return [
      {
        scenario: 'identity: verify a token never seen (RS256 + claims), one at a time',
        measured: fresh.result,
        notes: `${fresh.cpuMicros.toFixed(0)} µs CPU per token (p50/p99 columns: ms per verification)`,
      },
      {
        scenario: 'identity: verify tokens never seen, 100 at a time (a crowd joining)',
        measured: crowd.result,
        notes: `${crowd.cpuMicros.toFixed(0)} µs CPU per token, all threads (the checks of one turn of the event loop go to the verifying thread together)`,
      },
      {
        scenario: 'identity: verify a token seen before (the same client calling again)',
        measured: known.result,
        notes: `${known.cpuMicros.toFixed(1)} µs CPU per token`,
      },
    ];
  } finally {
    verifier.stop();
  }
}

async function timed(
  label: string,
  tokens: string[],
  verify: (token: string) => Promise<unknown>,
  concurrency = 1,
): Promise<{ result: LoadResult; cpuMicros: number }> {
  const durations: number[] = [];
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) {
        const token = tokens[next++]!;
        const t = process.hrtime.bigint();
        await verify(token);
        durations.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  durations.sort((a, b) => a - b);
  const at = (q: number) => Number(durations[Math.floor(q * (durations.length - 1))]!.toFixed(3));
  return {
    cpuMicros: (used.user + used.system) / tokens.length,
    result: {
      label,
      requestsPerSecond: Math.round(tokens.length / seconds),
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      non2xx: 0,
      errors: 0,
      total: tokens.length,
      generatorCpuSeconds: Number(((used.user + used.system) / 1e6).toFixed(2)),
      durationSeconds: Number(seconds.toFixed(2)),
    },
  };
}
