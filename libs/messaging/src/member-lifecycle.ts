import { setTimeout as sleep } from 'node:timers/promises';
import { KAFKA_CONSUMER_MAX_WAIT_MS_DEFAULT, retryUntil } from '@ticketing/platform';
import { isRetriable, type GroupEvents, type GroupMemberOptions } from './broker';
import { KAFKA_CLIENT_SETTINGS } from './client-settings';

/*
 * What every adapter's consumer group member does the same way, whatever its client: how long a
 * fetch waits unless told, how long a subscription waits for a topic created moments ago, and
 * how a stop meets a join in progress. An adapter (`./kafkajs`, `./platformatic`, any client
 * added behind the port) keeps only what its client needs besides:
 *
 *   run:  `if (!(await lifecycle.joining(join()))) return;` around its join, whose subscription
 *         is `lifecycle.subscribe(() => …)`; then it consumes;
 *   stop: `await lifecycle.stop()` before it closes what the join opened;
 *   `lifecycle.crash(events, err)` when its member is down for good; and `fetchWaitMs(options)`
 *   for its client's fetch wait.
 */

/**
 * A fetch's longest wait unless told: the default of the services' KAFKA_CONSUMER_MAX_WAIT_MS
 * (libs/platform `KAFKA_CONSUMER_MAX_WAIT_MS_DEFAULT` says why).
 */
export const fetchWaitMs = (options: GroupMemberOptions = {}): number =>
  options.maxWaitMs ?? KAFKA_CONSUMER_MAX_WAIT_MS_DEFAULT;

export interface LifecycleTimings {
  /** How long a subscription waits for a topic created moments ago to reach every broker. */
  subscribePatienceMs: number;
  /** How often it asks again meanwhile. */
  subscribeIntervalMs: number;
  /** The longest a stop waits for a join in progress. */
  joinWaitMs: number;
}

export const MEMBER_TIMINGS: LifecycleTimings = {
  subscribePatienceMs: 10_000,
  subscribeIntervalMs: 200,
  // A join lasts at most a rebalance when the brokers answer; a broker away would keep a client
  // trying to connect for as long as it is away.
  joinWaitMs: KAFKA_CLIENT_SETTINGS.consumer.rebalanceTimeoutMs,
};

/** One group member's join and stop, as every adapter has them (above). */
export class MemberLifecycle {
  private stopCalled = false;
  private crashCalled = false;
  private join: Promise<void> | undefined;

  constructor(private readonly timings: LifecycleTimings = MEMBER_TIMINGS) {}

  /** From the moment `stop()` is called: nothing new starts, and a crash is the stop's doing. */
  get stopping(): boolean {
    return this.stopCalled;
  }

  /** From the first crash reported: the member fetches and hands over nothing more. */
  get crashed(): boolean {
    return this.crashCalled;
  }

  /**
   * The member is down for good (its owner starts a new one, `RestartSupervisor`): it leaves and
   * reports the crash, once, and not when it is stopping (a failure then is the stop's doing).
   * `error` in the port's terms. Returns whether it was reported.
   */
  crash(events: GroupEvents, error: unknown): boolean {
    if (this.crashCalled || this.stopCalled) return false;
    this.crashCalled = true;
    events.left();
    events.crashed(error instanceof Error ? error : new Error(String(error)), false);
    return true;
  }

  /**
   * A subscription: `attempt` again while it fails for a reason that may pass (a topic created
   * moments ago is not in every broker's metadata yet), for the patience at most, and never once
   * the member is stopping.
   */
  subscribe<T>(attempt: () => Promise<T>): Promise<T> {
    return retryUntil(attempt, {
      timeoutMs: this.timings.subscribePatienceMs,
      intervalMs: this.timings.subscribeIntervalMs,
      retryOn: (err) => isRetriable(err) && !this.stopCalled,
    });
  }

  /**
   * Runs `join` as the member's join in progress, the one a stop waits for; fails as it fails.
   * Resolves whether the member goes on: false when it was stopped meanwhile, and then it starts
   * nothing more (what the join opened is the stop's to close).
   */
  async joining(join: Promise<void>): Promise<boolean> {
    this.join = join;
    await join;
    return !this.stopCalled;
  }

  /**
   * Marks the member stopping, at once (before anything is awaited), and waits for its join in
   * progress, so that what the join opens is closed after it; but no longer than the join wait.
   * Resolves whether the join is over (a join that failed is over).
   */
  async stop(): Promise<boolean> {
    this.stopCalled = true;
    if (!this.join) return true;
    return Promise.race([
      this.join.then(
        () => true,
        () => true,
      ),
      sleep(this.timings.joinWaitMs, false, { ref: false }),
    ]);
  }

  /** Runs `then` once the join in progress is over, however it ends (one that outlasted a stop). */
  afterJoin(then: () => Promise<void>): void {
    void this.join?.then(then, () => undefined);
  }
}
