import {
  SpanKind,
  failSpan,
  startSpan,
  type CommitWatcher,
  type Logger,
  type Span,
} from '@ticketing/platform';
import pg from 'pg';
import { Histogram, Counter, type Registry } from 'prom-client';
import type { Publisher } from '../broker';
import { HEADER } from '../envelope';
import { TopicNamespace } from '../namespace';
import { NOTIFY_CHANNEL, OUTBOX_TABLE } from './table';

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
 * The relay's one statement per round: deletes the rows the previous round published and reads
 * the next ones (the delete and the read share a snapshot, so the read leaves the deleted ids
 * out itself). Parameters: the ids published, the batch size.
 */
export const DRAIN_STATEMENT = {
  name: 'outbox-drain',
  text: `with published as (delete from ${OUTBOX_TABLE} where id = any($1::bigint[]))
               select id, topic, key, envelope as value, headers, created_at
               from ${OUTBOX_TABLE} where id <> all($1::bigint[]) order by id limit $2`,
};

const POLL_INTERVAL_MS = 10_000;
const STANDBY_RETRY_MS = 5000;
const TIDY_AFTER_MS = 1000;
const LOCK_NOT_AVAILABLE = '55P03';

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  value: string;
  /** JSON of the message's headers, as the writer serialized them. */
  headers: string;
  created_at: Date;
}

export interface RelayOptions {
  /** Connection string of the service's database (the relay holds one dedicated connection). */
  databaseUrl: string;
  producer: Publisher;
  logger: Logger;
  /** Leadership lock: one active relay per database, so several instances never reorder a key. */
  lockName?: string;
  batchSize?: number;
  /** Fallback when a NOTIFY is missed (a reconnect drains anyway, so this is rarely needed). */
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
 * Publishes the outbox to Kafka in id order (commit order per aggregate, because writers of one
 * aggregate serialize on its row lock before enqueuing), marking rows only after Kafka
 * acknowledged them. At-least-once: a crash between send and mark republishes, and consumers'
 * inboxes absorb the duplicate.
 */
export class OutboxRelay implements CommitWatcher {
  private client?: pg.Client;
  private running = false;
  private leader = false;
  private wake?: () => void;
  /** A NOTIFY (or stop) arrived since the last drain started: do not sleep. */
  private pending = false;
  private loop?: Promise<void>;
  /** Ids published in the last round, deleted by the next. */
  private published: string[] = [];
  private readonly lag?: Histogram;
  private readonly publishedCount?: Counter;

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
    }
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /**
   * As a `CommitWatcher` of the outbox table (`db.watchCommits`): while this relay leads, writers
   * of its process tell it in process that rows committed, instead of a NOTIFY through the server
   * (which the relay's connection would then have to wake up for).
   */
  get watching(): boolean {
    return this.leader && this.running;
  }

  committed(): void {
    this.signal();
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
    client.on('notification', () => this.signal());
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
    await client.query(`listen ${NOTIFY_CHANNEL}`);
    while (this.running && !broken) {
      await this.drain(client);
      // Published rows are deleted by the next round: soon, if no wake-up comes first.
      const idle = this.options.pollIntervalMs ?? POLL_INTERVAL_MS;
      await this.sleep(this.published.length > 0 ? Math.min(idle, TIDY_AFTER_MS) : idle);
    }
    if (broken) throw broken;
    await this.drain(client); // what was committed before stop() goes out now
    await client.query(`delete from ${OUTBOX_TABLE} where id = any($1::bigint[])`, [
      this.published,
    ]);
    this.published = [];
  }

  /**
   * Publishes what is in the outbox. One statement per round (`DRAIN_STATEMENT`) both deletes
   * the rows the previous round published and reads the next ones: under steady traffic, a
   * wake-up costs one round trip. Rows published but not yet deleted when the relay stops or
   * loses its session are published again by the next leader; consumers' inboxes absorb the
   * duplicates.
   */
  private async drain(client: pg.Client): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    this.pending = false;
    for (;;) {
      const { rows } = await client.query<OutboxRow>({
        ...DRAIN_STATEMENT,
        values: [this.published, batchSize],
      });
      this.published = [];
      if (rows.length === 0) return;
      await this.publish(rows);
      this.published = rows.map((r) => r.id);
      const now = Date.now();
      for (const r of rows) this.lag?.observe((now - r.created_at.getTime()) / 1000);
      this.publishedCount?.inc(rows.length);
      if (rows.length < batchSize) return;
    }
  }

  private async publish(rows: OutboxRow[]): Promise<void> {
    // Group by topic but keep each topic's rows in id order; one partition's messages of one
    // key are all in one group, so per-key order is kept.
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
