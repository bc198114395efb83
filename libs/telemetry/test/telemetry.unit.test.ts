import { statementSummary } from '../src/sdk';
import { endpointProblem, tracingRequested } from '../src';

describe('database span names', () => {
  it.each([
    ['BEGIN', 'begin'],
    ['select id from payments where id = $1', 'select payments'],
    ['insert into outbox (message_id) select m.id from unnest($1::uuid[]) as m', 'insert outbox'],
    [
      `with steps as (insert into saga_steps (payment_id) select $1 from unnest($2::text[]) as s)
       update payments set amount = $6 where id = $1`,
      'update payments',
    ],
    [
      'with published as (delete from outbox where id = any($1)) select id from "outbox" limit 5',
      'select outbox',
    ],
    ['update wallets set balance = balance - $2 where user_id = $1', 'update wallets'],
  ])('when the statement is %s, then the span is named %s', (sql, name) => {
    expect(statementSummary(sql)).toBe(name);
  });
});

describe('when tracing is on', () => {
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }, false],
  ])('when the environment is %j, then tracing on is %s', (env, on) => {
    expect(tracingRequested(env)).toBe(on);
  });
});

describe('the OTLP endpoint', () => {
  it.each([
    ['http://collector:4318', undefined],
    ['https://otlp.example:443', undefined],
    ['collector:4318', 'OTEL_EXPORTER_OTLP_ENDPOINT'],
    ['not a url', 'OTEL_EXPORTER_OTLP_ENDPOINT'],
  ])('when it is %s, then the problem names %s', (value, named) => {
    const problem = endpointProblem({ OTEL_EXPORTER_OTLP_ENDPOINT: value });
    if (named) expect(problem).toContain(named);
    else expect(problem).toBeUndefined();
  });
});
