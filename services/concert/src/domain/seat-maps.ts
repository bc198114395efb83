import { createHash } from 'node:crypto';
import { AppError, BoundedMemory } from '@ticketing/platform';
import type { SeatMapChanges } from './repositories';
import type { CatalogIn } from './repositories';
import type { Database } from '@ticketing/platform';

/** A seat map as it is sent: the JSON text once per version, and its entity tag. */
export interface SeatMapView {
  body: string;
  etag: string;
}

// Maps kept at most: a bound beside their age, for a burst over very many schedules at once.
const MAX_SCHEDULES = 1000;

interface Entry {
  concertId: number;
  loadedAtMs: number;
  all: SeatMapView;
  available: SeatMapView;
}

/**
 * The seat map every waiting fan refreshes, served from this instance's memory. A schedule's map
 * is read once, serialized once (with and without the taken seats) and kept until the
 * projection changes it: the change's transaction announces it (NOTIFY) to every instance,
 * which forgets the map at once. `maxAgeMs` bounds what a lost announcement could cost, and a
 * reconnect forgets every map. Loads of one schedule are shared by the requests that wait for
 * them. The ETag is the content's hash, the same on every instance: a polling client that
 * already has the map gets 304.
 *
 * A map is no use past `maxAgeMs`, so each map kept forgets those loaded longer ago (oldest
 * first): the memory holds the maps of the last `maxAgeMs` before its last write, not the last
 * one of every schedule ever read (a sold-out date's stays unannounced forever, a whole hall's
 * seats each; a soak's instances grew with each concert it sold).
 */
export class SeatMaps {
  private readonly maps: BoundedMemory<number, Entry>;
  private readonly loading = new Map<number, Promise<Entry | undefined>>();
  /** Schedules announced changed while being loaded: those loads are not kept. */
  private readonly changedWhileLoading = new Set<number>();
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    private readonly catalogIn: CatalogIn,
    private readonly options: { maxAgeMs: number; changes?: SeatMapChanges; now?: () => number },
  ) {
    this.now = options.now ?? Date.now;
    this.maps = new BoundedMemory(options.maxAgeMs > 0 ? MAX_SCHEDULES : 0, {
      forgetAfterMs: options.maxAgeMs,
      now: this.now,
    });
    options.changes?.follow(
      (scheduleId) => this.forget(scheduleId),
      () => this.forgetAll(),
    );
  }

  async of(concertId: number, scheduleId: number, onlyAvailable: boolean): Promise<SeatMapView> {
    const entry = await this.entry(scheduleId);
    if (!entry || entry.concertId !== concertId)
      throw AppError.notFound(`schedule ${scheduleId} of concert ${concertId} not found`);
    return onlyAvailable ? entry.available : entry.all;
  }

  private async entry(scheduleId: number): Promise<Entry | undefined> {
    const cached = this.maps.recall(scheduleId);
    // The memory still recalls a map exactly `maxAgeMs` old; it is not served past its age.
    if (cached && this.now() - cached.loadedAtMs < this.options.maxAgeMs) return cached;
    let load = this.loading.get(scheduleId);
    if (!load) {
      load = this.load(scheduleId).finally(() => {
        this.loading.delete(scheduleId);
        this.changedWhileLoading.delete(scheduleId);
      });
      this.loading.set(scheduleId, load);
    }
    return load;
  }

  private async load(scheduleId: number): Promise<Entry | undefined> {
    const reads = this.catalogIn.reads(this.db);
    const schedule = await reads.schedule(scheduleId);
    if (!schedule) return undefined;
    const seats = (await reads.seatsOf(scheduleId)).map((s) => ({ ...s, price: schedule.price }));
    const view = (items: typeof seats): SeatMapView => {
      const body = JSON.stringify({ scheduleId, items });
      const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
      return { body, etag: `"${hash}"` };
    };
    const entry: Entry = {
      concertId: schedule.concertId,
      loadedAtMs: this.now(),
      all: view(seats),
      available: view(seats.filter((s) => s.status === 'AVAILABLE')),
    };
    // A change announced while this was being read may not be in it: not kept.
    if (!this.changedWhileLoading.has(scheduleId)) this.maps.remember(scheduleId, entry);
    return entry;
  }

  private forget(scheduleId: number): void {
    this.maps.forget(scheduleId);
    if (this.loading.has(scheduleId)) this.changedWhileLoading.add(scheduleId);
  }

  /** Announcements may have been lost: every map kept or being loaded may be stale. */
  private forgetAll(): void {
    this.maps.clear();
    for (const scheduleId of this.loading.keys()) this.changedWhileLoading.add(scheduleId);
  }

  get size(): number {
    return this.maps.size;
  }
}
