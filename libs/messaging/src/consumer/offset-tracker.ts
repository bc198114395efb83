import type { CommitOffsets, OffsetsToCommit } from '../broker';

interface Handled {
  topic: string;
  partition: number;
  /** The next offset to consume: everything before it is handled. */
  offset: string;
  committed?: string;
}

/**
 * The handled offsets of each partition, committed on the consumer's schedule rather than after
 * every batch (ADR 0013). One commit at a time, so the group's offsets only move forward; a
 * commit that fails (a rebalance, an outage) is caught up by the next one.
 */
export class OffsetTracker {
  private readonly handled = new Map<string, Handled>();
  private commitVia?: CommitOffsets;
  private committing: Promise<void> = Promise.resolve();

  constructor(private readonly onCommitError: (err: unknown) => void) {}

  /** The running generation's commit; undefined once it is gone (a crash). */
  commitThrough(commit: CommitOffsets | undefined): void {
    this.commitVia = commit;
  }

  /** Everything up to `offset` of a partition is handled. */
  handledUpTo(topic: string, partition: number, offset: string): void {
    const key = `${topic}|${partition}`;
    const next = (BigInt(offset) + 1n).toString();
    const entry = this.handled.get(key);
    if (entry) entry.offset = next;
    else this.handled.set(key, { topic, partition, offset: next });
  }

  /** After a rebalance: offsets of partitions now someone else's are not ours to commit. */
  keepOnly(assignment: Record<string, number[]>): void {
    for (const [key, h] of this.handled)
      if (!assignment[h.topic]?.includes(h.partition)) this.handled.delete(key);
  }

  /** Commits the handled offsets not committed yet, after the commit in flight. */
  commit(): Promise<void> {
    this.committing = this.committing.then(() => this.commitDue());
    return this.committing;
  }

  private async commitDue(): Promise<void> {
    const commit = this.commitVia;
    const due = [...this.handled.values()]
      .filter((h) => h.committed !== h.offset)
      .map((entry) => ({ entry, offset: entry.offset }));
    if (!commit || due.length === 0) return;
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const { entry, offset } of due) {
      const partitions = byTopic.get(entry.topic) ?? [];
      partitions.push({ partition: entry.partition, offset });
      byTopic.set(entry.topic, partitions);
    }
    const offsets: OffsetsToCommit = [...byTopic].map(([topic, partitions]) => ({
      topic,
      partitions,
    }));
    try {
      await commit(offsets);
      for (const { entry, offset } of due) entry.committed = offset;
    } catch (err) {
      this.onCommitError(err);
    }
  }
}
