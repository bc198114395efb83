import fs from 'node:fs';
import path from 'node:path';
import { redisAclRules } from '@ticketing/platform';

const SRC = path.join(__dirname, '../src');

/**
 * The booking services run this library with a Redis user that may only read the queue's keys
 * (`%R~`, ADR 0027): it reads the line and never writes it. Places are written by the queue's
 * own scripts alone (a test's writer lives in tools/testing).
 */
describe('the queue pass library and the line', () => {
  it('when its sources are read, then every Redis command they send is one a booking service may send', () => {
    const allowed = redisAclRules('reservation')
      .filter((rule) => rule.startsWith('+'))
      .map((rule) => rule.slice(1));
    const sent = fs
      .readdirSync(SRC)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        [
          ...fs
            .readFileSync(path.join(SRC, file), 'utf8')
            .matchAll(/\b(?:redis|subscriber)\.(\w+)\(/g),
        ]
          .map((m) => m[1]!)
          .filter((method) => method !== 'on')
          .map((method) => `${file}: ${method.toLowerCase()}`),
      );
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.filter((s) => !allowed.includes(s.split(': ')[1]!))).toEqual([]);
  });
});
