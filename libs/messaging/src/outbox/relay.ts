import { SpanKind, failSpan, startSpan, type Logger, type Span } from '@ticketing/platform';
import pg from 'pg';
import { Histogram, Counter, type Registry } from 'prom-client';
import type { Publisher } from '../broker';
import { HEADER } from '../envelope';
import { TopicNamespace } from '../namespace';
import { NOTIFY_CHANNEL, OUTBOX_TABLE, parseNotifiedRow, type NotifiedRow } from './table';

/**
 * The relay's session. Its only writes delete rows it has published: losing one in a crash means
 * that message is published again, which consumers' inboxes absorb, so its commits need not wait
 * for the WAL to reach the disk (every state change it publishes did). And no sequential scans:
 * the outbox holds a few live rows among every row deleted since the last vacuum, and the
 * delete's generic plan, made while the table looked empty, read every page of them at every
 * round (a seq scan per drain, ~150 pages in the payment service after a minute at 40 sagas/s);
 * by the primary key it touches only the rows it names. Every statement here has that path.
 */
export const RELAY_SESSION_SETTINGS = 'set synchronous_commit = off; set enable_seqscan = off';

/**
 * The relay's read of the table (at leadership, for a row too large for its notification, and
 * every poll): deletes the rows published since the last read or tidy and reads the next ones
 * (the delete and the read share a snapshot, so the read leaves the deleted ids out itself).
 * Parameters: the ids published, the batch size.
 */
export const DRAIN_STATEMENT = {
  name: 'outbox-drain',
  text: `with published as (delete from ${OUTBOX_TABLE} where id = any($1::bigint[]))
               select id, topic, key, envelope as value, headers, created_at
               from ${OUTBOX_TABLE} where id <> all($1::bigint[]) order by id limit $2`,
};

/** Deletes rows published from their notifications (no read needed). Parameter: the ids. */
const TIDY_STATEMENT = {
  name: 'outbox-tidy',
  text: `delete from ${OUTBOX_TABLE} where id = any($1::bigint[])`,
};

const POLL_INTERVAL_MS = 10_000;
const STANDBY_RETRY_MS = 5000;
const TIDY_AFTER_MS = 1000;
const LOCK_NOT_AVAILABLE = '55P03';
/** Ids a read published whose notifications may still come: at most this many remembered. */
const READ_IDS_REMEMBERED = 10_000;

type OutboxRow = NotifiedRow;
/** What the notifications said, in commit order: a row, or "read the table" (no row carried). */
type Notified = NotifiedRow | 'read';

export interface RelayOptions {
  /** Connection string of the service's database (the relay holds one dedicated connection). */
  databaseUrl: string;
  producer: Publisher;
  logger: Logger;
  /** Leadership lock: one active relay per database, so several instances never reorder a key. */
  lockName?: string;
  batchSize?: number;
  /**
   * How often the leader reads the table anyway. A safety net: every row notifies at its commit
   * and a new leader reads before it relays notifications, so this read normally finds nothing.
   */
  pollIntervalMs?: number;
  /**
   * A standby waits for leadership in the database (the lock is granted the moment the leader's
   * session ends); it renews that wait this often, and waits this long after a lost connection.
   */
  standbyRetryMs?: number;
  metrics?: Registry;
  topics?: TopicNamespace;
}

/**
 * Publishes the outbox to Kafka in commit order: each row's notification carries it (ADR 0038),
 * and Postgres delivers notifications in commit order, so rows of one aggregate (whose writers
 * serialize on its row lock) go out in the order they were written. A read of the table
 * publishes in id order, which is that order too. Rows are deleted only after Kafka acknowledged
 * them. At-least-once: a crash between send and delete republishes, and consumers' inboxes
 * absorb the duplicate.
 */
export class OutboxRelay {
  private client?: pg.Client;
  private running = false;
  private leader = false;
  private wake?: () => void;
  /** A notification (or stop) arrived since the last round started: do not sleep. */
  private pending = false;
  private loop?: Promise<void>;
  /** Ids published and not yet deleted (the next read, or the tidy, deletes them). */
  private published: string[] = [];
  /** When the oldest of `published` was published (the tidy follows within TIDY_AFTER_MS). */
  private publishedSince = 0;
  /** Notifications not yet relayed, in the order they came (commit order). */
  private notified: Notified[] = [];
  /** Ids a read of the table published before their notification came: not published again. */
  private readonly readIds = new Set<string>();
  private readonly lag?: Histogram;
  private readonly publishedCount?: Counter;
  private readonly reads?: Counter;

  constructor(private readonly options: RelayOptions) {
    if (options.metrics) {
      this.lag = new Histogram({
        name: 'outbox_publish_lag_seconds',
        help: 'Time from enqueue (commit) to Kafka acknowledgement',
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [options.metrics],
      });
      this.publishedCount = new Counter({
        name: 'outbox_published_total',
        help: 'Messages published by the outbox relay',
        registers: [options.metrics],
      });
      this.reads = new Counter({
        name: 'outbox_relay_reads_total',
        help: 'Reads of the outbox table (at leadership, for a row too large to notify, every poll)',
        registers: [options.metrics],
      });
    }
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the batch in flight, releases leadership and closes the connection. */
  async stop(): Promise<void> {
    this.running = false;
    this.signal();
    // A standby is blocked waiting for the lock: closing its connection ends the wait now.
    if (!this.leader) await this.client?.end().catch(() => undefined);
    await this.loop;
  }

  private async run(): Promise<void> {
    const { logger } = this.options;
    while (this.running) {
      try {
        await this.session();
      } catch (err) {
        if (this.running) logger.warn({ err }, 'outbox relay connection lost; reconnecting');
      } finally {
        this.leader = false;
        await this.client?.end().catch(() => undefined);
        this.client = undefined;
      }
      if (this.running) await this.sleep(this.options.standbyRetryMs ?? STANDBY_RETRY_MS);
    }
  }

  /** One database session: become leader (or wait as standby), then drain on every wake-up. */
  private async session(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: 'outbox-relay',
    });
    this.client = client;
    let broken: Error | undefined;
    client.on('error', (err) => {
      broken = err;
      this.signal();
    });
    client.on('notification', (message) => {
      if (message.channel !== NOTIFY_CHANNEL) return;
      this.notified.push(parseNotifiedRow(message.payload) ?? 'read');
      this.signal();
    });
    await client.connect();
    await client.query(RELAY_SESSION_SETTINGS);
    const lock = this.options.lockName ?? 'outbox-relay';
    // Waiting on the lock costs nothing while idle; lock_timeout only renews the wait, so a
    // stopping standby (its connection closed) leaves the queue within one period at the latest.
    await client.query(`set lock_timeout = ${this.options.standbyRetryMs ?? STANDBY_RETRY_MS}`);
    while (this.running && !broken) {
      try {
        await client.query('select pg_advisory_lock(hashtext($1))', [lock]);
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw err;
      }
    }
    if (this.running && !broken) await client.query('set lock_timeout = 0');
    if (!this.running || broken) return;
    this.leader = true;
    this.options.logger.info('outbox relay is the leader');
    // Listening first: a row committed from here on is notified, and one committed before is read.
    this.notified = [];
    this.readIds.clear();
    await client.query(`listen ${NOTIFY_CHANNEL}`);
    await this.drain(client);
    const idle = this.options.pollIntervalMs ?? POLL_INTERVAL_MS;
    let readAt = Date.now() + idle;
    while (this.running && !broken) {
      await this.relayNotified(client);
      // The read is a safety net (and deletes what was published); the tidy only deletes.
      if (Date.now() >= readAt) {
        await this.drain(client);
        readAt = Date.now() + idle;
      } else if (this.published.length > 0 && this.tidyDue()) {
        await this.tidy(client);
      }
      const wait = this.published.length > 0 ? this.publishedSince + TIDY_AFTER_MS : readAt;
      await this.sleep(Math.max(0, Math.min(wait, readAt) - Date.now()));
    }
    if (broken) throw broken;
    await this.relayNotified(client); // what was committed before stop() goes out now
    await this.drain(client);
    await client.query(`delete from ${OUTBOX_TABLE} where id = any($1::bigint[])`, [
      this.published,
    ]);
    this.published = [];
  }

  /**
   * Reads the outbox and publishes what is there (`DRAIN_STATEMENT`, which also deletes what was
   * published before), remembering the ids so that their notifications, if still to come, publish
   * nothing. Rows published but not yet deleted when the relay stops or loses its session are
   * published again by the next leader; consumers' inboxes absorb the duplicates.
   */
  private async drain(client: pg.Client): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    for (;;) {
      const { rows } = await client.query<OutboxRow>({
        ...DRAIN_STATEMENT,
        values: [this.published, batchSize],
      });
      this.reads?.inc();
      this.published = [];
      if (rows.length === 0) return;
      await this.publish(rows);
      for (const r of rows) this.readIds.add(r.id);
      for (const id of this.readIds) {
        if (this.readIds.size <= READ_IDS_REMEMBERED) break;
        this.readIds.delete(id); // the oldest: its notification came long ago, if ever
      }
      if (rows.length < batchSize) return;
    }
  }

  /**
   * Publishes the rows the notifications carried, in the order they came, leaving out those a
   * read already published. A notification without its row (too large) reads the table there,
   * which publishes it and every row committed before it that is not yet published.
   */
  private async relayNotified(client: pg.Client): Promise<void> {
    this.pending = false;
    const notified = this.notified;
    this.notified = [];
    let rows: OutboxRow[] = [];
    for (const item of notified) {
      if (item === 'read') {
        if (rows.length > 0) await this.publish(rows);
        rows = [];
        await this.drain(client);
      } else if (!this.readIds.delete(item.id)) {
        rows.push(item);
      }
    }
    if (rows.length > 0) await this.publish(rows);
  }

  private tidyDue(): boolean {
    const batchSize = this.options.batchSize ?? 500;
    return this.published.length >= batchSize || Date.now() >= this.publishedSince + TIDY_AFTER_MS;
  }

  /** Deletes the rows published since the last read or tidy. */
  private async tidy(client: pg.Client): Promise<void> {
    await client.query({ ...TIDY_STATEMENT, values: [this.published] });
    this.published = [];
  }

  private async publish(rows: OutboxRow[]): Promise<void> {
    // Group by topic but keep each topic's rows in the order given; one partition's messages of
    // one key are all in one group, so per-key order is kept.
    const byTopic = new Map<string, OutboxRow[]>();
    for (const r of rows) (byTopic.get(r.topic) ?? byTopic.set(r.topic, []).get(r.topic)!).push(r);
    const topics = this.options.topics ?? TopicNamespace.none;
    const spans: (Span | undefined)[] = [];
    const topicMessages = [...byTopic].map(([name, list]) => {
      const topic = topics.name(name);
      return {
        topic,
        // The envelope as the database keeps it: serialized once, by the writer.
        messages: list.map((r) => {
          const headers = JSON.parse(r.headers) as Record<string, string>;
          spans.push(publishSpan(topic, r, headers));
          return { key: r.key, value: r.value, headers };
        }),
      };
    });
    try {
      await this.options.producer.sendBatch({ topicMessages });
      if (this.published.length === 0) this.publishedSince = Date.now();
      for (const r of rows) this.published.push(r.id);
      const now = Date.now();
      for (const r of rows) this.lag?.observe((now - r.created_at.getTime()) / 1000);
      this.publishedCount?.inc(rows.length);
    } catch (err) {
      for (const span of spans) failSpan(span, err);
      throw err;
    } finally {
      for (const span of spans) span?.end();
    }
  }

  private signal(): void {
    this.pending = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.pending && this.leader) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/**
 * The span of a row's publication (ADR 0011): a child of the span that committed the row, whose
 * context the row's `traceparent` header keeps, so the consumer's span is its sibling.
 */
function publishSpan(
  topic: string,
  row: OutboxRow,
  headers: Record<string, string>,
): Span | undefined {
  return startSpan(`publish ${headers[HEADER.eventType] ?? topic}`, {
    kind: SpanKind.PRODUCER,
    parent: headers[HEADER.traceparent],
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': topic,
      'messaging.message.id': headers[HEADER.messageId] ?? '',
      'messaging.kafka.message.key': row.key,
      'ticketing.outbox.wait_ms': Date.now() - row.created_at.getTime(),
    },
  });
}
