interface Group<I, O> {
  items: I[];
  callers: {
    from: number;
    to: number;
    done: (o: O[] | undefined) => void;
    fail: (e: unknown) => void;
  }[];
}

/**
 * Runs the work handed in during one turn of the event loop as one call: kafkajs hands a fetch's
 * batches over one per partition, side by side, and each would otherwise be a transaction of its
 * own. Every caller gets its own part of the result, in the order it handed its items in; if the
 * call fails, every caller gets the error; if it declines (undefined), every caller gets that.
 */
export class MicroBatcher<I, O> {
  private pending?: Group<I, O>;

  constructor(private readonly run: (items: I[]) => Promise<O[] | undefined>) {}

  add(items: I[]): Promise<O[] | undefined> {
    const group = this.pending ?? this.open();
    const from = group.items.length;
    group.items.push(...items);
    return new Promise((done, fail) =>
      group.callers.push({ from, to: group.items.length, done, fail }),
    );
  }

  private open(): Group<I, O> {
    const group: Group<I, O> = (this.pending = { items: [], callers: [] });
    setImmediate(() => {
      this.pending = undefined;
      Promise.resolve(group.items)
        .then((items) => this.run(items))
        .then(
          (outcomes) => group.callers.forEach((c) => c.done(outcomes?.slice(c.from, c.to))),
          (err: unknown) => group.callers.forEach((c) => c.fail(err)),
        );
    });
    return group;
  }
}
