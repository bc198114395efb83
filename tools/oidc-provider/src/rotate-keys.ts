import { rotateKeys } from './keys.js';

/** `node dist/rotate-keys.js <keys file>`: a new signing key in front, the old ones kept. */
const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: rotate-keys <keys file>\n');
  process.exit(2);
}
const key = await rotateKeys(file);
process.stdout.write(`${key.kid}\n`);
