import { KafkaJS } from '@confluentinc/kafka-javascript';
import { isRetriable } from '../src/broker';
import { portError, producerUnusable } from '../src/confluent';

const clientError = (code: number, options: { retriable?: boolean; fatal?: boolean } = {}) =>
  new KafkaJS.KafkaJSError(new Error(`code ${code}`), { code, ...options });

/** Confluent's errors in the port's terms: Kafka's names, and whether trying again may succeed. */
describe("Confluent's client errors", () => {
  it.each([
    [KafkaJS.ErrorCodes.ERR_UNKNOWN_TOPIC_OR_PART, 'UNKNOWN_TOPIC_OR_PARTITION', true],
    [KafkaJS.ErrorCodes.ERR_TOPIC_AUTHORIZATION_FAILED, 'TOPIC_AUTHORIZATION_FAILED', false],
    [KafkaJS.ErrorCodes.ERR_TOPIC_ALREADY_EXISTS, 'TOPIC_ALREADY_EXISTS', false],
    [KafkaJS.ErrorCodes.ERR__TRANSPORT, undefined, true],
    [KafkaJS.ErrorCodes.ERR__ALL_BROKERS_DOWN, undefined, true],
  ])(
    'when the client fails with code %s, then the port sees type %s, retriable %s',
    (code, type, retriable) => {
      const err = portError(clientError(code));
      expect(err).toMatchObject({ name: 'KafkaError', type });
      expect(isRetriable(err)).toBe(retriable);
      expect((err as Error).cause).toBeInstanceOf(KafkaJS.KafkaJSError);
    },
  );

  it('when librdkafka marks an error retriable, then the port does too', () => {
    expect(
      isRetriable(portError(clientError(KafkaJS.ErrorCodes.ERR_UNKNOWN, { retriable: true }))),
    ).toBe(true);
  });

  it.each([
    ['a fatal error', clientError(KafkaJS.ErrorCodes.ERR__FATAL, { fatal: true }), true],
    [
      'a fatal error, as the port raises it',
      portError(clientError(KafkaJS.ErrorCodes.ERR__FATAL, { fatal: true })),
      true,
    ],
    [
      'a send on a disconnected producer',
      new Error('Cannot send without awaiting connect()'),
      true,
    ],
    ['a lost connection', clientError(KafkaJS.ErrorCodes.ERR__TRANSPORT), false],
    ['a leader moved', clientError(KafkaJS.ErrorCodes.ERR_NOT_LEADER_FOR_PARTITION), false],
  ])('when a send fails with %s, then the producer is unusable: %s', (_what, err, unusable) => {
    expect(producerUnusable(err)).toBe(unusable);
  });
});
