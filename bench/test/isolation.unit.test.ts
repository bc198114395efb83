import path from 'node:path';
import { benchProcessEnv } from '../src/isolation';
import { serviceMain, benchServer } from '../src/processes';

/**
 * A benchmark's services run on the run's own topics (issue: `npm run bench` beside `npm start`
 * dead-lettered the running system's messages, its relays publishing the bench's outbox rows
 * into the shared topics).
 */
describe("a benchmark's processes", () => {
  it('when a service would start without the run topic prefix, then the bench refuses to start it', () => {
    expect(() =>
      benchProcessEnv('wallet', serviceMain('wallet'), { KAFKA_BROKERS: '127.0.0.1:9092' }),
    ).toThrow(/KAFKA_TOPIC_PREFIX/);
    expect(() =>
      benchProcessEnv('wallet', serviceMain('wallet'), { KAFKA_TOPIC_PREFIX: '' }),
    ).toThrow(/shared topics/);
  });

  it("when a service starts on the run's prefix, then its consumer group is the run's too, unless the scenario names one", () => {
    expect(
      benchProcessEnv('queue', serviceMain('queue'), { KAFKA_TOPIC_PREFIX: 'bench123.' }),
    ).toEqual({ KAFKA_TOPIC_PREFIX: 'bench123.', KAFKA_CONSUMER_GROUP: 'bench123.queue' });
    expect(
      benchProcessEnv('queue', serviceMain('queue'), {
        KAFKA_TOPIC_PREFIX: 'bench123.',
        KAFKA_CONSUMER_GROUP: 'mine',
      }).KAFKA_CONSUMER_GROUP,
    ).toBe('mine');
  });

  it('when a ceiling server or the gateway starts, then nothing is asked of it (no Kafka)', () => {
    expect(benchProcessEnv('bare', benchServer('bare-http'), {})).toEqual({});
    expect(
      benchProcessEnv('gateway', path.join(__dirname, '../../gateway/dist/src/main.js'), {}),
    ).toEqual({});
  });
});
