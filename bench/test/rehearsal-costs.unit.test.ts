import { byComponent, fitCosts, nonNegativeFit } from '../src/rehearsal/costs';
import { seeded } from '../src/rehearsal/crowd';

describe("a rehearsal's cost per unit of work", () => {
  it('when a component spends a base plus a cost per join, per waiting fan-minute and per ticket, then the fit finds each cost', () => {
    const random = seeded(7);
    const seconds = Array.from({ length: 600 }, () => {
      const joins = Math.floor(random() * 400);
      const waitingFanMinutes = random() * 800;
      const tickets = Math.floor(random() * 60);
      const queue = 0.01 + 0.0004 * joins + 0.0002 * waitingFanMinutes;
      const payment = 0.02 + 0.006 * tickets;
      return {
        joins,
        waitingFanMinutes,
        tickets,
        cpu: { 'queue-1': queue / 2, 'queue-2': queue / 2, 'payment-1': payment },
      };
    });
    const [payment, queue] = fitCosts(seconds);
    expect(queue!.component).toBe('queue');
    expect(queue!.perJoin).toBeCloseTo(0.0004, 6);
    expect(queue!.perWaitingFanMinute).toBeCloseTo(0.0002, 6);
    expect(queue!.perTicket).toBeCloseTo(0, 6);
    expect(queue!.baseCores).toBeCloseTo(0.01, 5);
    expect(payment!.perTicket).toBeCloseTo(0.006, 6);
    expect(payment!.explained).toBeGreaterThan(0.99);
  });

  it('when a sale runs while fans wait, then its saga is charged to tickets, never to the waiting fans beside it', () => {
    // The payment's CPU follows tickets, but the waiting line is long exactly while they sell:
    // a free fit could split the cost between the two; the payment service answers tickets only.
    // Its CPU comes a second before the ticket is counted (the saga runs, then the fan is told).
    const ticketsAt = (t: number) => (t >= 100 && t < 200 ? 10 + (t % 7) : 0);
    const seconds = Array.from({ length: 300 }, (_, t) => ({
      joins: 0,
      waitingFanMinutes: t >= 100 && t < 200 ? 200 : 20,
      tickets: ticketsAt(t),
      cpu: { 'payment-1': 0.005 * ticketsAt(t + 1) },
    }));
    const [payment] = fitCosts(seconds);
    expect(payment!.perWaitingFanMinute).toBe(0);
    expect(payment!.perTicket).toBeCloseTo(0.005, 3);
  });

  it('when the best unconstrained fit would give a negative cost, then that cost is zero and the rest fit without it', () => {
    const rows = [
      { x: [1, 0], y: 1 },
      { x: [1, 1], y: 0.9 },
      { x: [1, 2], y: 0.8 },
    ];
    const [base, slope] = nonNegativeFit(rows);
    expect(slope).toBe(0);
    expect(base).toBeCloseTo(0.9, 6);
  });

  it("when processes are instances of one service, then they count as that service's", () => {
    expect(byComponent({ 'queue-1': 0.5, 'queue-2': 0.25, gateway: 1, kafka: 0.1 })).toEqual({
      queue: 0.75,
      gateway: 1,
      kafka: 0.1,
    });
  });
});
