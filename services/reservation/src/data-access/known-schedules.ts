import type { KnownSchedule } from '../domain/repositories';

/**
 * The schedules this process last read for a hold, each with its revision, so that the next
 * hold on one is decided without reading it again (a sale is thousands of holds on a few dates).
 * A memory, not a source of truth: the replica may have moved since (a cancelled date, a new
 * revision from concert.events, another instance's write), and the hold that relies on it
 * (`holdOnKnownSchedule`) then writes nothing and says so. Bounded: the oldest goes first.
 */
export class KnownSchedules {
  private readonly known = new Map<number, KnownSchedule>();

  /** `capacity` 0: remembers nothing. */
  constructor(private readonly capacity: number) {}

  recall(scheduleId: number): KnownSchedule | undefined {
    return this.known.get(scheduleId);
  }

  remember(schedule: KnownSchedule): void {
    if (this.capacity === 0) return;
    this.known.delete(schedule.scheduleId);
    this.known.set(schedule.scheduleId, schedule);
    if (this.known.size > this.capacity) this.known.delete(this.known.keys().next().value!);
  }

  /** Forgets the schedule if what is remembered of it is still that revision. */
  forget(scheduleId: number, revision: string): void {
    if (this.known.get(scheduleId)?.revision === revision) this.known.delete(scheduleId);
  }
}
