import path from 'node:path';
import { writeSecrets } from './secrets-file';
import { ROOT } from './settings';

/**
 * `npm run secrets [-- --rotate]`: the secrets `docker compose up` reads (.env, .redis-users.acl),
 * made on this machine, never committed (docs/operations.md, "Secrets").
 */
const rotate = process.argv.includes('--rotate');
const names = writeSecrets(ROOT, { rotate });
process.stdout.write(
  `[secrets] ${rotate ? 'rotated' : 'ready'}: ${names.join(', ')} in ${path.relative(ROOT, path.join(ROOT, '.env'))}\n`,
);
