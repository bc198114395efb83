import type { Logger } from '@ticketing/platform';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { QueueStore } from '../data-access/queue-store';
import type { QueueSettings } from './queue';

/**
 * Every instance ticks; the atomic script and the shared token bucket in Redis make the
 * instances together admit at the configured rate and never above QUEUE_MAX_ACTIVE.
 */
export class AdmissionTicker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly admitted: Counter;
  private readonly waiting: Gauge;
  private readonly active: Gauge;

  constructor(
    private readonly store: QueueStore,
    private readonly settings: QueueSettings,
    private readonly logger: Logger,
    metrics: Registry,
  ) {
    this.admitted = new Counter({
      name: 'queue_admitted_total',
      help: 'Tokens admitted',
      labelNames: ['concert'],
      registers: [metrics],
    });
    this.waiting = new Gauge({
      name: 'queue_waiting',
      help: 'Waiting tokens',
      labelNames: ['concert'],
      registers: [metrics],
    });
    this.active = new Gauge({
      name: 'queue_active',
      help: 'Active tokens',
      labelNames: ['concert'],
      registers: [metrics],
    });
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .catch((err: unknown) => this.logger.warn({ err }, 'admission tick failed'))
        .finally(() => (this.running = undefined));
    }, intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async tick(): Promise<void> {
    for (const concertId of await this.store.queuedConcerts()) {
      const r = await this.store.admit(concertId, this.settings);
      const concert = String(concertId);
      if (r.admitted) this.admitted.inc({ concert }, r.admitted);
      this.waiting.set({ concert }, r.waiting);
      this.active.set({ concert }, r.active);
      if (r.admitted || r.expired || r.idled)
        this.logger.debug({ concertId, ...r }, 'admission tick');
    }
  }
}
