import { AppError, isTransientInfraError } from '../src/errors';

const withCode = (code: string) => Object.assign(new Error('x'), { code });
const named = (name: string, message = 'x') => Object.assign(new Error(message), { name });

describe('isTransientInfraError', () => {
  it('when a network or Postgres code says the server is away or busy, then it is transient', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '57P01', '53300', '40001', '40P01', '08006'])
      expect(isTransientInfraError(withCode(code))).toBe(true);
  });

  it('when the code is the request’s own fault, then it is not', () => {
    for (const code of ['23505', '22P02', '42P01'])
      expect(isTransientInfraError(withCode(code))).toBe(false);
  });

  it('when a client class says no server answered, or kafkajs says retriable, then it is transient', () => {
    for (const name of ['KnexTimeoutError', 'MaxRetriesPerRequestError', 'ClusterAllFailedError'])
      expect(isTransientInfraError(named(name))).toBe(true);
    expect(isTransientInfraError(Object.assign(new Error('x'), { retriable: true }))).toBe(true);
    expect(isTransientInfraError(Object.assign(new Error('x'), { retriable: false }))).toBe(false);
  });

  it('when Redis replies that a cluster is failing over or a server is loading, or ioredis lost the connection or the slot map under a command, then it is transient', () => {
    const reply = (message: string) => named('ReplyError', message);
    for (const kind of [
      'CLUSTERDOWN The cluster is down',
      'MOVED 15445 127.0.0.1:31410',
      'LOADING',
    ])
      expect(isTransientInfraError(reply(kind))).toBe(true);
    expect(isTransientInfraError(reply('WRONGTYPE Operation against a key'))).toBe(false);
    expect(isTransientInfraError(new Error('Connection is closed.'))).toBe(true);
    expect(
      isTransientInfraError(
        new Error('Too many Cluster redirections. Last error: Error: Connection is closed.'),
      ),
    ).toBe(true);
    expect(
      isTransientInfraError(
        new Error('All keys in the pipeline should belong to the same slots allocation group'),
      ),
    ).toBe(true);
  });

  it('when only the message speaks of a connection, then it is not judged by it', () => {
    expect(isTransientInfraError(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isTransientInfraError('ECONNRESET')).toBe(false);
  });

  it('when the domain raised it, then its own retriable flag decides', () => {
    expect(
      isTransientInfraError(
        new AppError({ code: 'SERVICE_UNAVAILABLE', detail: 'x', retriable: true }),
      ),
    ).toBe(true);
    expect(isTransientInfraError(new AppError({ code: 'VALIDATION_FAILED', detail: 'x' }))).toBe(
      false,
    );
  });
});
