import { createHash } from 'node:crypto';
import { AppError } from '@ticketing/platform';
import type { SeatMapChanges } from './repositories';
import type { CatalogIn } from './repositories';
import type { Database } from '@ticketing/platform';

/** A seat map as it is sent: the JSON text once per version, and its entity tag. */
export interface SeatMapView {
  body: string;
  etag: string;
}

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
 */
export class SeatMaps {
  private readonly maps = new Map<number, Entry>();
  private readonly loading = new Map<number, Promise<Entry | undefined>>();
  /** Announcements per schedule: a load that saw one arrive during it is not kept. */
  private readonly changes = new Map<number, number>();

  constructor(
    private readonly db: Database,
    private readonly catalogIn: CatalogIn,
    private readonly options: { maxAgeMs: number; changes?: SeatMapChanges },
  ) {
    options.changes?.follow(
      (scheduleId) => this.forget(scheduleId),
      () => this.maps.clear(),
    );
  }

  async of(concertId: number, scheduleId: number, onlyAvailable: boolean): Promise<SeatMapView> {
    const entry = await this.entry(scheduleId);
    if (!entry || entry.concertId !== concertId)
      throw AppError.notFound(`schedule ${scheduleId} of concert ${concertId} not found`);
    return onlyAvailable ? entry.available : entry.all;
  }

  private async entry(scheduleId: number): Promise<Entry | undefined> {
    const cached = this.maps.get(scheduleId);
    if (cached && Date.now() - cached.loadedAtMs < this.options.maxAgeMs) return cached;
    let load = this.loading.get(scheduleId);
    if (!load) {
      load = this.load(scheduleId).finally(() => this.loading.delete(scheduleId));
      this.loading.set(scheduleId, load);
    }
    return load;
  }

  private async load(scheduleId: number): Promise<Entry | undefined> {
    const seenChanges = this.changes.get(scheduleId) ?? 0;
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
      loadedAtMs: Date.now(),
      all: view(seats),
      available: view(seats.filter((s) => s.status === 'AVAILABLE')),
    };
    // A change announced while this was being read may not be in it: not kept.
    if ((this.changes.get(scheduleId) ?? 0) === seenChanges && this.options.maxAgeMs > 0)
      this.maps.set(scheduleId, entry);
    return entry;
  }

  private forget(scheduleId: number): void {
    this.maps.delete(scheduleId);
    this.changes.set(scheduleId, (this.changes.get(scheduleId) ?? 0) + 1);
  }

  get size(): number {
    return this.maps.size;
  }
}
