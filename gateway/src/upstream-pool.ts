/**
 * The instances of one service, taken in turn. An instance that refused a connection is
 * skipped for a while (passive health: no probe traffic), so a crashed instance costs one
 * refused connect, not one per request; when every instance is marked down they are all tried
 * anyway, since a mark is only a guess.
 */
export class UpstreamPool {
  private next = 0;
  private readonly downUntil: number[];

  constructor(
    readonly urls: readonly string[],
    private readonly downForMs = 2000,
    private readonly now: () => number = Date.now,
  ) {
    if (urls.length === 0) throw new Error('an upstream pool needs at least one URL');
    this.downUntil = urls.map(() => 0);
  }

  /** Every instance once, starting with the next in turn; those marked down go last. */
  order(): string[] {
    const start = this.next;
    this.next = (this.next + 1) % this.urls.length;
    const rotated = this.urls.map((_, i) => (start + i) % this.urls.length);
    const t = this.now();
    const up = rotated.filter((i) => this.downUntil[i]! <= t);
    const down = rotated.filter((i) => this.downUntil[i]! > t);
    return [...up, ...down].map((i) => this.urls[i]!);
  }

  markDown(url: string): void {
    const i = this.urls.indexOf(url);
    if (i >= 0) this.downUntil[i] = this.now() + this.downForMs;
  }

  markUp(url: string): void {
    const i = this.urls.indexOf(url);
    if (i >= 0) this.downUntil[i] = 0;
  }
}
