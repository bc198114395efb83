import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isAlive, spawnDetached, stopPid, waitFor } from '../proc';
import { ensureDebianPackage } from '../debian';
import type { PostgresInstance } from './postgres-pair';

/**
 * The one address the services use for the database, following the primary: what a
 * CloudNativePG `<cluster>-rw` Service is (ADR 0023). HAProxy (Debian's) listens on it and asks
 * every instance twice a second whether it is the primary — a PostgreSQL session that runs
 * `select pg_is_in_recovery()` — and sends connections only to the one that answers `f`. An
 * instance that stops answering is marked down after two failed checks and its sessions are cut
 * (`on-marked-down shutdown-sessions`), as endpoints leaving a Service end their connections.
 */
export class RwService {
  private constructor(
    readonly port: number,
    private readonly pid: number,
  ) {}

  static async start(
    home: string,
    port: number,
    instances: PostgresInstance[],
  ): Promise<RwService> {
    const haproxy = ensureDebianPackage('haproxy', 'haproxy');
    fs.mkdirSync(home, { recursive: true });
    const config = path.join(home, 'haproxy.cfg');
    fs.writeFileSync(config, haproxyConfig(port, instances));
    const pid = spawnDetached(haproxy, ['-f', config, '-db'], path.join(home, 'haproxy.log'));
    const service = new RwService(port, pid);
    await waitFor(
      'the rw service (HAProxy)',
      async () => isAlive(pid) && (await listening(port)),
      15_000,
    );
    return service;
  }

  static attach(port: number, pid: number): RwService {
    return new RwService(port, pid);
  }

  get processId(): number {
    return this.pid;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async stop(): Promise<void> {
    await stopPid(this.pid, 10_000);
  }
}

/** A PostgreSQL session of the health check, as bytes (protocol 3.0, trust authentication). */
const STARTUP = startupMessage({
  user: 'postgres',
  database: 'postgres',
  application_name: 'rw-service-check',
});
const IN_RECOVERY = queryMessage('select pg_is_in_recovery()');
const TERMINATE = '5800000004';
/** AuthenticationOk, then a DataRow of one column holding `f`: not in recovery, the primary. */
const AUTHENTICATED = '5200000008';
const PRIMARY_ROW = '440000000b00010000000166';

function haproxyConfig(port: number, instances: PostgresInstance[]): string {
  return [
    'global',
    '  maxconn 4000',
    'defaults',
    '  mode tcp',
    '  timeout connect 1s',
    '  timeout client 1h',
    '  timeout server 1h',
    '  timeout check 1s',
    'listen postgres-rw',
    `  bind 127.0.0.1:${port}`,
    // One server at a time, the first that passes: never two "primaries" at once, even for the
    // moment an old primary still answers its check.
    '  balance first',
    '  option tcp-check',
    '  tcp-check connect',
    `  tcp-check send-binary ${STARTUP}`,
    `  tcp-check expect binary ${AUTHENTICATED}`,
    `  tcp-check send-binary ${IN_RECOVERY}`,
    `  tcp-check send-binary ${TERMINATE}`,
    `  tcp-check expect binary ${PRIMARY_ROW}`,
    '  default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions',
    ...instances.map((i) => `  server ${i.name} 127.0.0.1:${i.port} check`),
    '',
  ].join('\n');
}

function startupMessage(params: Record<string, string>): string {
  const body = Buffer.concat([
    int32(196_608), // protocol 3.0
    ...Object.entries(params).map(([k, v]) => Buffer.from(`${k}\0${v}\0`)),
    Buffer.from('\0'),
  ]);
  return Buffer.concat([int32(body.length + 4), body]).toString('hex');
}

function queryMessage(sql: string): string {
  const text = Buffer.from(`${sql}\0`);
  return Buffer.concat([Buffer.from('Q'), int32(text.length + 4), text]).toString('hex');
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
