import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generateIdentityProofKey } from '@ticketing/auth';
import { generatePassKeys } from '@ticketing/queue-pass';
import { REDIS_PRINCIPALS, redisAclFileLine, type RedisPrincipal } from '@ticketing/platform';

/** The variable of a principal's Redis password in `.env`. */
export const redisPasswordVariable = (p: RedisPrincipal) => `REDIS_PASSWORD_${p.toUpperCase()}`;

/** Where compose's Redis reads its users (hashes of the passwords only). */
export const REDIS_ACL_FILE = '.redis-users.acl';

const newPassword = () => randomBytes(24).toString('base64url');

/**
 * The secrets `docker compose up` reads, made on this machine and never committed: `.env` (the
 * queue pass key pair, the Postgres password, a Redis password per service, the gateway's
 * identity proof key, Kafka UI's OpenID client secret) and the Redis ACL file made from it. Keeps what `.env` holds; `rotate` makes new ones, keeping the old public pass
 * key beside the new one so passes already out still verify.
 */
export function writeSecrets(dir: string, options: { rotate?: boolean } = {}): string[] {
  const file = path.join(dir, '.env');
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
  const current = (name: string) =>
    lines
      .find((l) => l.startsWith(`${name}=`))
      ?.slice(name.length + 1)
      .replace(/^'|'$/g, '');
  const made: Record<string, string> = {};
  const keep = (name: string, make: () => string) => {
    const value = options.rotate ? undefined : current(name);
    made[name] = value ?? make();
  };
  if (options.rotate || !current('QUEUE_PASS_SIGNING_KEY')) {
    const fresh = generatePassKeys();
    const previous = options.rotate
      ? (JSON.parse(current('QUEUE_PASS_PUBLIC_KEYS') ?? '{"keys":[]}') as { keys: unknown[] })
      : { keys: [] };
    made.QUEUE_PASS_SIGNING_KEY = fresh.signingKey;
    made.QUEUE_PASS_PUBLIC_KEYS = JSON.stringify({
      keys: [...(JSON.parse(fresh.publicKeys) as { keys: unknown[] }).keys, ...previous.keys],
    });
  } else {
    made.QUEUE_PASS_SIGNING_KEY = current('QUEUE_PASS_SIGNING_KEY')!;
    made.QUEUE_PASS_PUBLIC_KEYS = current('QUEUE_PASS_PUBLIC_KEYS')!;
  }
  // The Postgres volume keeps the password it was created with: never rotated here.
  made.POSTGRES_PASSWORD = current('POSTGRES_PASSWORD') ?? newPassword();
  for (const p of REDIS_PRINCIPALS) keep(redisPasswordVariable(p), newPassword);
  // The gateway's seal on identities it verified, opened by the services (ADR 0019).
  keep('IDENTITY_PROOF_KEY', generateIdentityProofKey);
  // Kafka UI's OpenID client secret, shared by the dev provider and Kafka UI.
  keep('KAFKA_UI_OAUTH_CLIENT_SECRET', newPassword);

  const ours = new Set(Object.keys(made));
  const kept = lines.filter((l) => l && !ours.has(l.split('=', 1)[0]!));
  kept.push(...Object.entries(made).map(([name, value]) => `${name}='${value}'`));
  fs.writeFileSync(file, `${kept.join('\n')}\n`, { mode: 0o600 });

  // Redis' ACL files have no comments: every line is a user.
  const acl = [
    'user default off',
    ...REDIS_PRINCIPALS.map((p) =>
      redisAclFileLine(p, { username: p, password: made[redisPasswordVariable(p)]! }),
    ),
  ];
  // Redis in its container reads it as another user: readable, and it holds hashes only.
  fs.writeFileSync(path.join(dir, REDIS_ACL_FILE), `${acl.join('\n')}\n`, { mode: 0o644 });
  return Object.keys(made);
}
