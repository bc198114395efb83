import { runTopics } from '../src/topics';

describe('a run deletes its own topics only', () => {
  const ours = runTopics('a1b2');

  it.each([
    'ta1b2c3d4e5.payment.events',
    'ta1b2c3d4e5.payment.events.dlt',
    'test.crash.a1b2ffffff',
    'test.crash.a1b2ffffff.dlt',
  ])('when a topic is named by this run (%s), then it is deleted', (topic) => {
    expect(ours.test(topic)).toBe(true);
  });

  it.each([
    'tffffc3d4e5.payment.events', // another run's namespace on the same broker
    'test.crash.ffffc3d4e5',
    'bench1732531200000.payment.events', // a benchmark's
    'payment.events', // the system's own
    'ta1b2c3d4.payment.events', // too short to be a test namespace
  ])('when a topic is not this run’s (%s), then it stays', (topic) => {
    expect(ours.test(topic)).toBe(false);
  });
});
