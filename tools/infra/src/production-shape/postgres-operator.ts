import type { PostgresInstance, PostgresPair } from './postgres-pair';

export interface OperatorEvent {
  at: number;
  what: string;
}

const CHECK_EVERY_MS = 500;
/** Checks in a row with no primary before the standby is promoted (~1.5 s). */
const FAILED_CHECKS_BEFORE_FAILOVER = 3;

/**
 * What CloudNativePG's operator does for a two-instance cluster, reduced to its two moves:
 * - **failover**: when no instance answers as the primary for three checks in a row (1.5 s) and
 *   the standby answers, the standby is promoted, commits stop waiting for a standby, and the
 *   lost instance is made a standby of the new primary (a fresh base backup) — then commits
 *   wait for it again;
 * - **switchover** (planned, `kubectl cnpg promote`): the primary is shut down fast (its last
 *   WAL reaches the standby), the standby promoted, the old primary made its standby.
 * The `-rw` address (RwService) follows on its own: it asks the instances who is the primary.
 */
export class PostgresOperator {
  readonly events: OperatorEvent[] = [];
  private timer?: NodeJS.Timeout;
  private missed = 0;
  /** Checks in a row that found a primary and no standby behind it. */
  private alone = 0;
  private busy: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly pair: PostgresPair,
    private readonly say: (line: string) => void = () => undefined,
  ) {}

  start(): this {
    const tick = async () => {
      if (this.stopped) return;
      try {
        if (!this.busy) await this.watch();
      } catch (err) {
        this.note(`check failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), CHECK_EVERY_MS);
    };
    this.timer = setTimeout(() => void tick(), CHECK_EVERY_MS);
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.busy;
  }

  /** The planned switchover; resolves once the old primary streams as the new standby. */
  async switchover(): Promise<void> {
    await this.busy;
    await this.exclusively(async () => {
      const primary = await this.pair.primary();
      if (!primary) throw new Error('switchover failed: no primary to switch over from');
      const standby = this.pair.other(primary);
      this.note(`switchover: fast shutdown of ${primary.name}`);
      this.pair.stopFast(primary);
      await this.promote(standby);
      await this.rejoin(primary, standby);
    });
  }

  /** Resolves once nothing is under way (a failover's rejoin included). */
  async settled(): Promise<void> {
    while (this.busy) await this.busy;
  }

  private async watch(): Promise<void> {
    const [a, b] = this.pair.instances;
    const roles = await Promise.all([this.pair.roleOf(a), this.pair.roleOf(b)]);
    const primary = this.pair.instances.find((_, i) => roles[i] === 'primary');
    if (primary) {
      this.missed = 0;
      this.watchStandby(primary, roles.includes('standby'));
      return;
    }
    this.missed += 1;
    const standby = this.pair.instances.find((_, i) => roles[i] === 'standby');
    if (this.missed < FAILED_CHECKS_BEFORE_FAILOVER || !standby) return;
    this.missed = 0;
    const lost = this.pair.other(standby);
    // Its end is noted (and awaited by `settled`); the watch goes on meanwhile.
    this.exclusively(async () => {
      this.note(`failover: ${lost.name} lost, promoting ${standby.name}`);
      // Fenced first: whatever is left of it must never accept a write beside the new primary.
      this.pair.kill(lost);
      await this.promote(standby);
      await this.rejoin(lost, standby);
    }).catch(() => undefined);
  }

  /**
   * A standby lost for three checks in a row: commits stop waiting for it (they would hang
   * until it came back — `dataDurability: preferred`), and it is made again from the primary.
   */
  private watchStandby(primary: PostgresInstance, standbyAnswers: boolean): void {
    this.alone = standbyAnswers ? 0 : this.alone + 1;
    if (this.alone < FAILED_CHECKS_BEFORE_FAILOVER) return;
    this.alone = 0;
    const lost = this.pair.other(primary);
    this.exclusively(async () => {
      this.note(`standby ${lost.name} lost: commits on ${primary.name} no longer wait for it`);
      await this.pair.synchronous(primary, false);
      await this.rejoin(lost, primary);
    }).catch(() => undefined);
  }

  private async promote(standby: PostgresInstance): Promise<void> {
    await this.pair.promote(standby);
    // No standby to wait for until the lost instance rejoins.
    await this.pair.synchronous(standby, false);
    this.note(`${standby.name} is the primary`);
  }

  private async rejoin(instance: PostgresInstance, primary: PostgresInstance): Promise<void> {
    await this.pair.cloneStandby(instance, primary);
    await this.pair.synchronous(primary, true);
    this.note(`${instance.name} streams from ${primary.name}; commits wait for it again`);
  }

  /** One move at a time; `settled` waits for it, its caller sees how it ended. */
  private exclusively(work: () => Promise<void>): Promise<void> {
    const run = work();
    const tracked = run
      .catch((err: unknown) =>
        this.note(`move failed: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => {
        if (this.busy === tracked) this.busy = undefined;
      });
    this.busy = tracked;
    return run;
  }

  private note(what: string): void {
    this.events.push({ at: Date.now(), what });
    this.say(what);
  }
}
