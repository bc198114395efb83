import pg from 'pg';
import { backoffDelay } from './backoff';
import type { Logger } from './logger';

type Listener = (payload: string) => void;

/**
 * One LISTEN connection per process for a database's notifications (NOTIFY is sent at commit,
 * to every listening session). A lost connection is reconnected with backoff for as long as it
 * takes, and every channel is listened to again; `onGap` callbacks then run, since notifications
 * sent meanwhile are lost (a cache fed by them must forget what it holds).
 */
export class PgNotifications {
  private client?: pg.Client;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly gapHandlers = new Set<() => void>();
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly options: { databaseUrl: string; logger: Logger; applicationName: string },
  ) {}

  /** Registers a listener (before or after start); returns a function that removes it. */
  on(channel: string, listener: Listener): () => void {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      void this.client?.query(`listen ${channel}`).catch(() => undefined);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Called after a reconnect: notifications of the gap are lost. */
  onGap(handler: () => void): void {
    this.gapHandlers.add(handler);
  }

  /** Connects and listens; a failure at start is the caller's to report. */
  async start(): Promise<void> {
    await this.connect();
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: this.options.applicationName,
    });
    client.on('notification', (n) => {
      for (const listener of this.listeners.get(n.channel) ?? []) listener(n.payload ?? '');
    });
    const lost = (err?: Error) => {
      if (this.client !== client || this.stopped) return;
      this.client = undefined;
      this.options.logger.warn(
        { err, connection: this.options.applicationName },
        'notification connection lost; reconnecting',
      );
      this.reconnect(1);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      for (const channel of this.listeners.keys()) await client.query(`listen ${channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.stopped) return void (await client.end().catch(() => undefined));
    this.client = client;
  }

  private reconnect(attempt: number): void {
    if (this.stopped) return;
    const delay = backoffDelay(attempt, { firstMs: 500, maxMs: 10_000 });
    this.retry = setTimeout(() => {
      this.connect().then(
        () => {
          this.options.logger.info(
            { attempt, connection: this.options.applicationName },
            'notification connection listening again',
          );
          for (const handler of this.gapHandlers) handler();
        },
        (err: unknown) => {
          this.options.logger.warn(
            { err: (err as Error).message, attempt, connection: this.options.applicationName },
            'notification connection could not reconnect; trying again',
          );
          this.reconnect(attempt + 1);
        },
      );
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
