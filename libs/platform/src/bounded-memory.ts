/**
 * What a process remembers of rows it read or wrote, by key, so that a decision on one need not
 * read it again: bounded (past `capacity` the entry remembered longest ago goes first; 0
 * remembers nothing). A memory, never a source of truth: the write that relies on an entry
 * checks the row is still the version remembered.
 */
export class BoundedMemory<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  recall(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Remembers `value` as the newest entry (a value remembered again counts as new). */
  remember(key: K, value: V): void {
    if (this.capacity === 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The entry, forgotten now: for a value whatever is done with moves on. */
  take(key: K): V | undefined {
    const value = this.entries.get(key);
    this.entries.delete(key);
    return value;
  }

  forget(key: K): void {
    this.entries.delete(key);
  }

  /** Forgets the entry only if it still is what `stale` says (not a newer one remembered since). */
  forgetIf(key: K, stale: (value: V) => boolean): void {
    const value = this.entries.get(key);
    if (value !== undefined && stale(value)) this.entries.delete(key);
  }
}
