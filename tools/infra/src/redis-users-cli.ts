import { REDIS_PRINCIPALS, redisAclFileLine, MIN_SECRET_LENGTH } from '@ticketing/platform';
import { redisPasswordVariable } from './secrets-file';

/**
 * `npm run -s redis-users`: the ACL users of a Redis the platform runs (an `aclfile`, or lines
 * to give its console), one per service, from REDIS_PASSWORD_<SERVICE> (the values of the Secret
 * `ticketing-redis`) and REDIS_KEY_PREFIX. Prints password hashes only.
 */
const prefix = process.env.REDIS_KEY_PREFIX ?? '';
const lines = ['user default off'];
for (const p of REDIS_PRINCIPALS) {
  const variable = redisPasswordVariable(p);
  const password = process.env[variable] ?? '';
  if (password.length < MIN_SECRET_LENGTH) {
    process.stderr.write(
      `redis-users: ${variable} must hold at least ${MIN_SECRET_LENGTH} characters\n`,
    );
    process.exit(78);
  }
  lines.push(redisAclFileLine(p, { username: p, password, keyPrefix: prefix }));
}
process.stdout.write(`${lines.join('\n')}\n`);
