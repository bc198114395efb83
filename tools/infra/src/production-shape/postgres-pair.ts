import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { postgresBinDir, runAsPostgres } from '../postgres-binaries';
import { isAlive, waitFor } from '../proc';

export interface PostgresInstance {
  name: string;
  dataDir: string;
  port: number;
}

export type Role = 'primary' | 'standby' | 'down';

/**
 * What a commit waits for while a standby streams: one standby has flushed it (CloudNativePG's
 * `synchronous: {method: any, number: 1}`). A standby promoted after its primary died then holds
 * every commit a client saw, and with it every outbox row the relay may have sent.
 */
export const PRODUCTION_SYNCHRONOUS_STANDBYS = 'ANY 1 (*)';

const SETTINGS = [
  "listen_addresses = '127.0.0.1'",
  'max_connections = 300',
  'wal_level = replica',
  'max_wal_senders = 10',
  'hot_standby = on',
  "wal_keep_size = '512MB'",
  'synchronous_commit = on',
  // Fast, and enough for a standby to follow a promotion's new timeline.
  "recovery_target_timeline = 'latest'",
];

/**
 * Two PostgreSQL instances of the machine's binaries, one primary and one streaming standby, as a
 * CloudNativePG `Cluster` of two instances runs them: each its own data directory and port. The
 * roles move (promotion, a standby made again from the new primary); `roleOf` asks an instance
 * which it is now.
 */
export class PostgresPair {
  constructor(readonly instances: [PostgresInstance, PostgresInstance]) {}

  /**
   * The pair under `home` (a folder the postgres user owns: `placePostgresData`), started: made
   * on first use (the first instance initialised as the primary, the second cloned from it),
   * otherwise both started on their data, whichever is the primary now.
   */
  static async create(home: string, ports: [number, number]): Promise<PostgresPair> {
    const pair = new PostgresPair([
      { name: 'pg-1', dataDir: path.join(home, 'pg-1'), port: ports[0] },
      { name: 'pg-2', dataDir: path.join(home, 'pg-2'), port: ports[1] },
    ]);
    const [first, second] = pair.instances;
    if (!fs.existsSync(path.join(first.dataDir, 'PG_VERSION'))) {
      pgTool('initdb', ['-D', first.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
      fs.appendFileSync(path.join(first.dataDir, 'postgresql.conf'), `\n${SETTINGS.join('\n')}\n`);
    }
    await pair.start(first);
    if (fs.existsSync(path.join(second.dataDir, 'PG_VERSION'))) await pair.start(second);
    else await pair.cloneStandby(second, first);
    // Two instances that both say "primary" (a failover whose rejoin never ran before a stop):
    // the one on the later timeline stays, the other is made its standby again.
    const roles = await Promise.all(pair.instances.map((i) => pair.roleOf(i)));
    if (roles.every((r) => r === 'primary')) {
      const [older, newer] = (await Promise.all(pair.instances.map((i) => pair.timelineOf(i))))
        .map((timeline, i) => ({ timeline, instance: pair.instances[i]! }))
        .sort((x, y) => x.timeline - y.timeline);
      await pair.cloneStandby(older!.instance, newer!.instance);
    }
    let primary: PostgresInstance | undefined;
    await waitFor('a primary', async () => Boolean((primary = await pair.primary())), 30_000);
    await pair.synchronous(primary!, true);
    return pair;
  }

  url(instance: PostgresInstance, database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${instance.port}/${database}`;
  }

  other(instance: PostgresInstance): PostgresInstance {
    return this.instances[0] === instance ? this.instances[1] : this.instances[0];
  }

  /** What the instance says it is now; `down` when it does not answer within two seconds. */
  async roleOf(instance: PostgresInstance): Promise<Role> {
    const client = new pg.Client({
      connectionString: this.url(instance),
      connectionTimeoutMillis: 2000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ standby: boolean }>(
        'select pg_is_in_recovery() as standby',
      );
      return rows[0]!.standby ? 'standby' : 'primary';
    } catch {
      return 'down';
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** The timeline the instance writes on (each promotion starts a new one). */
  async timelineOf(instance: PostgresInstance): Promise<number> {
    const { rows } = await this.session(instance, (client) =>
      client.query<{ timeline: number }>(
        'select timeline_id as timeline from pg_control_checkpoint()',
      ),
    );
    return Number(rows[0]!.timeline);
  }

  async primary(): Promise<PostgresInstance | undefined> {
    const roles = await Promise.all(this.instances.map((i) => this.roleOf(i)));
    return this.instances.find((_, i) => roles[i] === 'primary');
  }

  /** SIGKILL of the postmaster and every backend of it: the machine under the instance is gone. */
  kill(instance: PostgresInstance): void {
    const postmaster = this.postmasterPid(instance);
    if (postmaster === undefined) return;
    for (const pid of [postmaster, ...childrenOf(postmaster)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
  }

  /** A fast shutdown: sessions ended, a shutdown checkpoint streamed to the standby, then stopped. */
  stopFast(instance: PostgresInstance): void {
    if (this.postmasterPid(instance) === undefined) return;
    pgTool('pg_ctl', ['-D', instance.dataDir, '-m', 'fast', '-w', 'stop']);
  }

  /** The standby becomes a primary (a new timeline); answers once it accepts writes. */
  async promote(instance: PostgresInstance): Promise<void> {
    pgTool('pg_ctl', ['-D', instance.dataDir, '-w', 'promote']);
    await waitFor(
      `${instance.name} promoted`,
      async () => (await this.roleOf(instance)) === 'primary',
      30_000,
    );
  }

  /**
   * Makes `instance` a standby of `primary` afresh (a base backup of it): what the operator does
   * with an instance that lost its primary role, a killed one included.
   */
  async cloneStandby(instance: PostgresInstance, primary: PostgresInstance): Promise<void> {
    this.kill(instance); // whatever is left of it
    fs.rmSync(instance.dataDir, { recursive: true, force: true });
    pgTool('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-D',
      instance.dataDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ]);
    await this.start(instance);
    await waitFor(`${instance.name} streaming`, () => this.streaming(primary), 30_000);
  }

  /**
   * Commits wait for a standby (`on`), or not (`off`: no standby to wait for, between a failover
   * and the new standby — CloudNativePG's `dataDurability: preferred`).
   */
  async synchronous(primary: PostgresInstance, on: boolean): Promise<void> {
    const names = on ? PRODUCTION_SYNCHRONOUS_STANDBYS : '';
    await waitFor(
      `${primary.name} told to ${on ? 'wait' : 'stop waiting'} for a standby`,
      async () => {
        await this.session(primary, async (client) => {
          await client.query(`alter system set synchronous_standby_names = '${names}'`);
          await client.query('select pg_reload_conf()');
        });
        return true;
      },
      30_000,
    );
  }

  /** A session of its own on `instance` (a busy machine may take a few seconds to answer). */
  private async session<T>(
    instance: PostgresInstance,
    use: (client: pg.Client) => Promise<T>,
  ): Promise<T> {
    const client = new pg.Client({
      connectionString: this.url(instance),
      connectionTimeoutMillis: 5000,
    });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await use(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async start(instance: PostgresInstance): Promise<void> {
    if (this.postmasterPid(instance) !== undefined) return;
    pgTool('pg_ctl', [
      '-D',
      instance.dataDir,
      '-l',
      path.join(instance.dataDir, 'server.log'),
      '-o',
      // TCP only: a socket's lock file in the data directory would travel with a base backup.
      `-p ${instance.port} -k ""`,
      '-w',
      'start',
    ]);
  }

  /** The folder that holds both instances' data. */
  get home(): string {
    return path.dirname(this.instances[0].dataDir);
  }

  /** Stops both (fast) and removes their data. */
  destroy(): void {
    for (const instance of this.instances) {
      try {
        this.stopFast(instance);
      } catch {
        this.kill(instance);
      }
    }
    fs.rmSync(this.home, { recursive: true, force: true });
  }

  /** A standby streams from `primary`; `synchronous`: one its commits wait for. */
  async streaming(primary: PostgresInstance, options = { synchronous: false }): Promise<boolean> {
    const waitedFor = options.synchronous ? ` and sync_state in ('sync', 'quorum')` : '';
    const { rows } = await this.session(primary, (client) =>
      client.query(`select 1 from pg_stat_replication where state = 'streaming'${waitedFor}`),
    );
    return rows.length > 0;
  }

  /** The running postmaster of an instance, from its data directory's lock file. */
  private postmasterPid(instance: PostgresInstance): number | undefined {
    try {
      const pid = Number(
        fs.readFileSync(path.join(instance.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }
}

function pgTool(tool: string, args: string[]): void {
  const bin = postgresBinDir();
  if (!bin)
    throw new Error(
      'PostgreSQL binaries are needed for the production shape: apt-get install postgresql',
    );
  runAsPostgres(path.join(bin, tool), args);
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return children;
}
