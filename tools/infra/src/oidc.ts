import fs from 'node:fs';
import path from 'node:path';
import { freePort, isAlive, run, spawnDetached, stopPid, waitFor } from './proc';
import { INFRA_DIR, ROOT, say } from './settings';
import type { InfraState } from './state';

const PROGRAM = path.join(ROOT, 'tools/oidc-provider/dist/main.js');
const ROTATE = path.join(ROOT, 'tools/oidc-provider/dist/rotate-keys.js');

/** True when `issuer` publishes an OpenID discovery document that names it. */
export async function oidcReachable(issuer: string): Promise<boolean> {
  try {
    const res = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(2000),
    });
    if (!res.ok) return false;
    const doc = (await res.json()) as { issuer?: string };
    return doc.issuer === issuer.replace(/\/+$/, '');
  } catch {
    return false;
  }
}

/** Where a development provider keeps its signing keys (a restart keeps issued tokens valid). */
export const oidcKeysFile = (home: string) => path.join(home, 'keys.json');

/**
 * Starts the development OpenID provider (tools/oidc-provider) for `issuer`, on the issuer's
 * port on loopback, with its keys and log under `home`; waits until it serves discovery.
 */
export async function launchOidcProvider(
  home: string,
  issuer: string,
  options: { tokenTtlSeconds?: number; audience?: string } = {},
): Promise<number> {
  if (!fs.existsSync(PROGRAM)) throw new Error(`${PROGRAM} is missing: run npm run build first`);
  fs.mkdirSync(home, { recursive: true });
  const pid = spawnDetached(process.execPath, [PROGRAM], path.join(home, 'oidc.log'), ROOT, {
    OIDC_DEV_ISSUER: issuer,
    OIDC_DEV_KEYS_FILE: oidcKeysFile(home),
    OIDC_DEV_AUDIENCE: options.audience ?? process.env.OIDC_AUDIENCE ?? 'ticketing',
    OIDC_DEV_TOKEN_TTL_SECONDS: String(options.tokenTtlSeconds ?? 3600),
  });
  await waitFor('the OpenID provider', () => oidcReachable(issuer), 30_000);
  return pid;
}

/** Puts a new signing key in front of a provider's keys (it signs with it once restarted). */
export function rotateOidcKeys(home: string): string {
  return run(process.execPath, [ROTATE, oidcKeysFile(home)]).trim();
}

const isLoopback = (host: string) => ['localhost', '127.0.0.1', '[::1]'].includes(host);

export async function oidcUp(issuer: string, state: InfraState): Promise<void> {
  if (await oidcReachable(issuer)) {
    say(`OpenID provider reachable at ${issuer}`);
    return;
  }
  if (state.oidc && isAlive(state.oidc.pid)) {
    say('development OpenID provider is starting; waiting for it');
    await waitFor('the OpenID provider', () => oidcReachable(issuer), 30_000);
    return;
  }
  if (!isLoopback(new URL(issuer).hostname)) {
    throw new Error(
      `No OpenID provider answers at ${issuer}; start it, or unset OIDC_ISSUER_URL to use the development one`,
    );
  }
  say(`starting the development OpenID provider at ${issuer}`);
  const pid = await launchOidcProvider(path.join(INFRA_DIR, 'oidc'), issuer);
  state.oidc = { pid, issuer };
}

export async function oidcDown(state: InfraState): Promise<void> {
  if (!state.oidc) return;
  if (isAlive(state.oidc.pid)) await stopPid(state.oidc.pid);
  say('development OpenID provider stopped');
  delete state.oidc;
}

/** A development provider of a test run's or a benchmark's own, on a free loopback port. */
export async function startOwnOidcProvider(name: string): Promise<{
  issuer: string;
  keysFile: string;
  stop(): Promise<void>;
}> {
  const home = path.join(INFRA_DIR, `oidc-${name}-${process.pid}`);
  const issuer = `http://127.0.0.1:${await freePort()}/default`;
  const pid = await launchOidcProvider(home, issuer);
  return {
    issuer,
    keysFile: oidcKeysFile(home),
    stop: async () => {
      await stopPid(pid, 10_000);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
