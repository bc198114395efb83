import type { OffsetsToCommit } from '../../src/broker';
import { OffsetTracker } from '../../src/consumer/offset-tracker';

function tracker() {
  const errors: unknown[] = [];
  const commits: OffsetsToCommit[] = [];
  const offsets = new OffsetTracker((err) => errors.push(err));
  const recording = async (o: OffsetsToCommit) => void commits.push(o);
  return { offsets, commits, errors, recording };
}

describe('OffsetTracker', () => {
  it('when offsets are handled, then the next offset per partition is committed, grouped by topic, once', async () => {
    const { offsets, commits, recording } = tracker();
    offsets.commitThrough(recording);
    offsets.handledUpTo('a', 0, '4');
    offsets.handledUpTo('a', 0, '9');
    offsets.handledUpTo('a', 1, '2');
    offsets.handledUpTo('b', 0, '0');
    await offsets.commit();
    expect(commits).toEqual([
      [
        {
          topic: 'a',
          partitions: [
            { partition: 0, offset: '10' },
            { partition: 1, offset: '3' },
          ],
        },
        { topic: 'b', partitions: [{ partition: 0, offset: '1' }] },
      ],
    ]);
    await offsets.commit();
    expect(commits).toHaveLength(1); // nothing new: no round trip
    offsets.handledUpTo('a', 1, '3');
    await offsets.commit();
    expect(commits[1]).toEqual([{ topic: 'a', partitions: [{ partition: 1, offset: '4' }] }]);
  });

  it('when there is no generation to commit through, then nothing is committed until there is', async () => {
    const { offsets, commits, recording } = tracker();
    offsets.handledUpTo('a', 0, '1');
    await offsets.commit();
    offsets.commitThrough(recording);
    offsets.commitThrough(undefined); // a crash
    await offsets.commit();
    expect(commits).toEqual([]);
    offsets.commitThrough(recording);
    await offsets.commit();
    expect(commits).toEqual([[{ topic: 'a', partitions: [{ partition: 0, offset: '2' }] }]]);
  });

  it('when a commit fails, then the error is reported and the next commit sends the offsets again', async () => {
    const { offsets, commits, errors, recording } = tracker();
    offsets.commitThrough(async () => {
      throw new Error('rebalance in progress');
    });
    offsets.handledUpTo('a', 0, '5');
    await offsets.commit();
    expect(errors).toHaveLength(1);
    offsets.commitThrough(recording);
    await offsets.commit();
    expect(commits).toEqual([[{ topic: 'a', partitions: [{ partition: 0, offset: '6' }] }]]);
  });

  it('when partitions are reassigned, then the ones now someone else’s are never committed', async () => {
    const { offsets, commits, recording } = tracker();
    offsets.commitThrough(recording);
    offsets.handledUpTo('a', 0, '1');
    offsets.handledUpTo('a', 1, '1');
    offsets.keepOnly({ a: [1] });
    await offsets.commit();
    expect(commits).toEqual([[{ topic: 'a', partitions: [{ partition: 1, offset: '2' }] }]]);
  });

  it('when commits race, then they run one after another and offsets only move forward', async () => {
    const { offsets } = tracker();
    const seen: string[] = [];
    let inFlight = 0;
    let overlapped = false;
    offsets.commitThrough(async (o) => {
      overlapped ||= inFlight++ > 0;
      await new Promise((r) => setImmediate(r));
      seen.push(o[0]!.partitions[0]!.offset);
      inFlight--;
    });
    const rounds: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      offsets.handledUpTo('a', 0, String(i));
      rounds.push(offsets.commit());
    }
    await Promise.all(rounds);
    expect(overlapped).toBe(false);
    expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((x, y) => x - y));
    expect(seen.at(-1)).toBe('20');
  });
});
