import { sampleReport } from '../src/rehearsal/sample-report';

describe('the synthetic rehearsal report', () => {
  const report = sampleReport();

  it('when built twice with the same seed, then it is the same report; another seed, another one', () => {
    expect(sampleReport()).toEqual(report);
    expect(sampleReport({ seed: 8 }).timeline).not.toEqual(report.timeline);
  });

  it('when the sale is over, then every seat is sold once and every fan is accounted for', () => {
    const { meta, summary, timeline } = report;
    expect(summary.ticketsSold).toBe(meta.seats);
    expect(summary.fansJoined).toBe(meta.fans);
    expect(summary.sellOutS).toBeGreaterThan(60);
    expect(summary.lastToldSoldOutS).toBeGreaterThan(0);
    const fans = timeline.groups.find((g) => g.stacked)!;
    const joins = timeline.groups.flatMap((g) => (g.series.joins ? [g.series.joins] : []))[0]!;
    let joined = 0;
    timeline.t.forEach((_, s) => {
      joined += joins[s]!;
      const states = Object.values(fans.series).reduce((sum, v) => sum + v[s]!, 0);
      expect(states).toBe(joined);
    });
  });

  it('when faults are injected, then each lies mid-rush and every series spans the timeline', () => {
    const { meta, faults, timeline, summary } = report;
    const soldOutAt = meta.opensAtS + summary.sellOutS!;
    for (const fault of faults) {
      expect(fault.atS).toBeGreaterThan(meta.opensAtS);
      expect(fault.endS).toBeLessThan(soldOutAt);
    }
    for (const group of timeline.groups)
      for (const values of Object.values(group.series))
        expect(values).toHaveLength(timeline.t.length);
  });

  it('when queue-2 is killed, then its CPU falls to zero and comes back, and a stopped broker has no sample', () => {
    const [killed] = report.faults.filter((f) => f.name.startsWith('queue-2'));
    const cpu = report.timeline.groups.find((g) => g.title === 'CPU of each service instance')!;
    const queue2 = cpu.series['queue-2']!;
    expect(queue2[killed!.atS + 1]).toBe(0);
    expect(queue2[killed!.endS + 1]).toBeGreaterThan(0);
    const [stopped] = report.faults.filter((f) => f.name.startsWith('kafka-2'));
    const infra = report.timeline.groups.find((g) => g.title === 'CPU of the infrastructure')!;
    expect(infra.series['kafka-2']![stopped!.atS + 1]).toBeNull();
  });
});
