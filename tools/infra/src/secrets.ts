import fs from 'node:fs';
import path from 'node:path';
import { generatePassKeys } from '@ticketing/auth';
import { ROOT } from './settings';

/**
 * `npm run secrets`: the secrets `docker compose up` reads from `.env` (git-ignored), made on this
 * machine, never committed: the queue pass key pair (the queue's private key, the public keys
 * every other service verifies with). Keeps what `.env` already holds; `--rotate` makes a new
 * pair and keeps the old public key beside the new one, so passes already out still verify.
 */
const file = path.join(ROOT, '.env');
const rotate = process.argv.includes('--rotate');
const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
const current = (name: string) =>
  lines
    .find((l) => l.startsWith(`${name}=`))
    ?.slice(name.length + 1)
    .replace(/^'|'$/g, '');

const signing = current('QUEUE_PASS_SIGNING_KEY');
if (signing && !rotate) {
  process.stdout.write(`[secrets] ${path.relative(ROOT, file)} already holds the pass keys\n`);
  process.exit(0);
}
const fresh = generatePassKeys();
const previous = rotate
  ? (JSON.parse(current('QUEUE_PASS_PUBLIC_KEYS') ?? '{"keys":[]}') as { keys: unknown[] })
  : { keys: [] };
const publicKeys = JSON.stringify({
  keys: [...JSON.parse(fresh.publicKeys).keys, ...previous.keys],
});
const kept = lines.filter((l) => l && !/^QUEUE_PASS_(SIGNING_KEY|PUBLIC_KEYS)=/.test(l));
kept.push(`QUEUE_PASS_SIGNING_KEY='${fresh.signingKey}'`, `QUEUE_PASS_PUBLIC_KEYS='${publicKeys}'`);
fs.writeFileSync(file, `${kept.join('\n')}\n`, { mode: 0o600 });
process.stdout.write(
  `[secrets] ${rotate ? 'rotated' : 'wrote'} the queue pass keys in ${path.relative(ROOT, file)}\n`,
);
