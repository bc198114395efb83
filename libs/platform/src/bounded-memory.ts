export interface BoundedMemoryOptions {
  /**
   * An entry not remembered again for this long is forgotten: for values whose story ends
   * elsewhere (another instance took the last step), which no step here would ever forget.
   */
  forgetAfterMs?: number;
  now?: () => number;
}

interface Entry<V> {
  value: V;
  at: number;
}

/**
 * What a process remembers of rows it read or wrote, by key, so that a decision on one need not
 * read it again: bounded (past `capacity` the entry remembered longest ago goes first; 0
 * remembers nothing; with `forgetAfterMs`, an entry that old goes too). A memory, never a source
 * of truth: the write that relies on an entry checks the row is still the version remembered.
 */
export class BoundedMemory<K, V> {
  // In the order entries were last remembered: the oldest is always first.
  private readonly entries = new Map<K, Entry<V>>();
  private readonly forgetAfterMs: number;
  private readonly now: () => number;

  constructor(
    private readonly capacity: number,
    options: BoundedMemoryOptions = {},
  ) {
    this.forgetAfterMs = options.forgetAfterMs ?? Infinity;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  recall(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.isOld(entry, this.now())) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Remembers `value` as the newest entry (a value remembered again counts as new). */
  remember(key: K, value: V): void {
    if (this.capacity === 0) return;
    const now = this.now();
    this.entries.delete(key);
    this.entries.set(key, { value, at: now });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.forgetOld(now);
  }

  /** The entry, forgotten now: for a value whatever is done with moves on. */
  take(key: K): V | undefined {
    const value = this.recall(key);
    this.entries.delete(key);
    return value;
  }

  forget(key: K): void {
    this.entries.delete(key);
  }

  /** Forgets everything: for when what was remembered may all have gone stale unseen. */
  clear(): void {
    this.entries.clear();
  }

  /** Forgets the entry only if it still is what `stale` says (not a newer one remembered since). */
  forgetIf(key: K, stale: (value: V) => boolean): void {
    const entry = this.entries.get(key);
    if (entry !== undefined && stale(entry.value)) this.entries.delete(key);
  }

  private isOld(entry: Entry<V>, now: number): boolean {
    return now - entry.at > this.forgetAfterMs;
  }

  // The oldest entries are first, so the sweep stops at the first young one: O(1) a write, amortised.
  private forgetOld(now: number): void {
    for (const [key, entry] of this.entries) {
      if (!this.isOld(entry, now)) return;
      this.entries.delete(key);
    }
  }
}
