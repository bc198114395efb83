import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A certificate authority of one test's own and a server certificate it signed for 127.0.0.1,
 * made with the machine's openssl: what a Strimzi cluster CA and a broker's certificate are to a
 * client. `serverPem` holds the key (PKCS#8) and the chain, as Kafka's PEM key store reads it.
 */
export function makeTestCa(): { dir: string; caFile: string; serverPem: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-ca-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => {
    const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (run.error || run.status !== 0)
      throw new Error(`openssl ${args[0]} failed: ${run.error?.message ?? run.stderr}`);
  };
  fs.writeFileSync(file('san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.cnf',
    '-out',
    'server.crt',
  );
  openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'server.key', '-out', 'server.pk8');
  fs.writeFileSync(
    file('server.pem'),
    fs.readFileSync(file('server.pk8'), 'utf8') +
      fs.readFileSync(file('server.crt'), 'utf8') +
      fs.readFileSync(file('ca.crt'), 'utf8'),
  );
  return { dir, caFile: file('ca.crt'), serverPem: file('server.pem') };
}
