import { logLevel } from 'kafkajs';
import { kafkajsLevel, type KafkajsLogEntry } from '../src/kafkajs/log-levels';

describe('kafkajs log levels', () => {
  it.each(
    (
      [
        [
          'a heartbeat answered "rebalancing"',
          logLevel.ERROR,
          {
            message: 'Response Heartbeat(key: 12, version: 3)',
            error: 'The group is rebalancing, so a rejoin is needed',
          },
          'debug',
        ],
        [
          'a SyncGroup answered "rebalancing"',
          logLevel.ERROR,
          {
            message: 'Response SyncGroup(key: 14, version: 3)',
            error: 'The group is rebalancing, so a rejoin is needed',
          },
          'debug',
        ],
        [
          'the runner re-joining',
          logLevel.WARN,
          { message: 'The group is rebalancing, re-joining' },
          'debug',
        ],
        [
          'a moved coordinator',
          logLevel.ERROR,
          {
            message: 'Response OffsetCommit(key: 8, version: 5)',
            error: 'This is not the correct coordinator for this group',
          },
          'debug',
        ],
        [
          'a leader election in progress (retriable)',
          logLevel.ERROR,
          {
            message: 'Response Metadata(key: 3, version: 6)',
            error:
              'There is no leader for this topic-partition as we are in the middle of a leadership election',
          },
          'info',
        ],
        [
          'a lost connection (kafkajs reconnects)',
          logLevel.ERROR,
          { message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' },
          'warn',
        ],
        [
          'a consumer kafkajs restarts',
          logLevel.ERROR,
          { message: 'Restarting the consumer in 100ms' },
          'warn',
        ],
        [
          'a denied topic (never retried)',
          logLevel.ERROR,
          {
            message: 'Response Produce(key: 0, version: 7)',
            error: 'Not authorized to access topics: [Topic authorization failed]',
          },
          'error',
        ],
        [
          'a crash it gives up on',
          logLevel.ERROR,
          { message: 'Crash: KafkaJSError: boom' },
          'error',
        ],
        ['an info line', logLevel.INFO, { message: 'Consumer has joined the group' }, 'info'],
      ] as [string, number, KafkajsLogEntry, string][]
    ).map(([what, level, entry, expected]) => ({ what, level, entry, expected })),
  )('when kafkajs logs $what, then it is $expected', ({ level, entry, expected }) => {
    expect(kafkajsLevel(level, entry)).toBe(expected);
  });
});
