// @slow 55: seconds it takes in a full run; jest starts it early (tools/testing/slow-first-sequencer.js).
import { OtlpReceiver, eventually, uuid, type ReceivedSpan } from '@ticketing/testing';
import { Cluster } from '../cluster';

/** The spans from `span` up to the root, `span` first. */
function ancestry(trace: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const path = [span];
  for (let s = span; s.parentSpanId;) {
    const parent = byId.get(s.parentSpanId);
    if (!parent) break;
    path.push(parent);
    s = parent;
  }
  return path;
}

/**
 * OpenTelemetry across the deployed processes (ADR 0011): every service instance and the gateway
 * export over OTLP/HTTP to a receiver this test runs, and the W3C context crosses Kafka in the
 * message headers, through each service's outbox.
 */
describe('tracing, two instances of every service behind the gateway', () => {
  let receiver: OtlpReceiver;
  let cluster: Cluster;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    cluster = await Cluster.start({
      instances: 2,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        LOG_LEVEL: 'info',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await receiver?.stop();
  });

  it('when a fan pays through the gateway, then one trace holds the gateway request, the reservation confirm, the wallet debit and the token expiry, each consumer a child of the span that committed its message', async () => {
    const { concertId, scheduleId } = await cluster.bookableSchedule(40_000);
    const fan = await cluster.activeFan(concertId);
    const charge = await cluster.call(
      'POST',
      'wallet',
      `/wallets/${fan.userId}/charges`,
      fan.identity,
      { amount: 50_000 },
      { 'idempotency-key': uuid() },
    );
    expect(charge.status).toBe(200);
    const hold = await cluster.call('POST', 'reservation', '/reservations', fan.token, {
      scheduleId,
      seatNo: 3,
    });
    expect(hold.status).toBe(201);
    const paid = await cluster.call(
      'POST',
      'payment',
      '/payments',
      fan.token,
      { reservationId: hold.body.reservationId },
      { prefer: 'wait=20' },
    );
    expect(paid.body).toMatchObject({ status: 'COMPLETED' });

    // The saga view names the payment's trace.
    const saga = await cluster.call(
      'GET',
      'payment',
      `/payments/${paid.body.paymentId}/saga`,
      fan.identity,
    );
    expect(saga.status).toBe(200);
    const traceId = saga.body.traceId as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const find = (trace: ReceivedSpan[], service: string, kind: string, name: string) =>
      trace.find((s) => s.service === service && s.kind === kind && s.name === name);
    const { trace, spans } = await eventually(
      () => {
        const trace = receiver.trace(traceId);
        const spans = {
          gateway: find(trace, 'gateway', 'SERVER', 'POST payment'),
          payment: find(trace, 'payment', 'SERVER', 'POST /payments'),
          confirm: find(trace, 'reservation', 'CONSUMER', 'process reservation.confirm'),
          debit: find(trace, 'wallet', 'CONSUMER', 'process wallet.debit'),
          expiry: find(trace, 'queue', 'CONSUMER', 'process queue.expire-token'),
        };
        for (const [what, span] of Object.entries(spans))
          expect({ what, found: span !== undefined }).toEqual({ what, found: true });
        // Every span but the gateway's has arrived with its parent.
        const ids = new Set(trace.map((s) => s.spanId));
        const orphans = trace.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId));
        expect(orphans.map((s) => `${s.service} ${s.name}`)).toEqual([]);
        // The relay's publish span of each consumed message comes from the payment service's
        // exporter, which may send it after the consumer's exporter sent the consumer span.
        for (const consumed of [spans.confirm!, spans.debit!, spans.expiry!]) {
          const messageId = consumed.attributes['messaging.message.id'];
          expect({
            messageId,
            published: trace.some(
              (s) => s.kind === 'PRODUCER' && s.attributes['messaging.message.id'] === messageId,
            ),
          }).toEqual({ messageId, published: true });
        }
        return { trace, spans: spans as Record<keyof typeof spans, ReceivedSpan> };
      },
      { timeoutMs: 20_000 },
    );

    // The fan's request is the root; the gateway passed its context to the payment service.
    expect(spans.gateway.parentSpanId).toBeUndefined();
    expect(ancestry(trace, spans.payment)).toContain(spans.gateway);
    // Through Kafka, step by step: the token expiry descends from the debit, the debit from the
    // confirm, the confirm from the payment request.
    const chain = ancestry(trace, spans.expiry);
    for (const step of [spans.debit, spans.confirm, spans.payment, spans.gateway])
      expect(chain).toContain(step);
    expect(chain.at(-1)).toBe(spans.gateway);

    // Each consumed message: its consumer span and the relay's publish span are children of the
    // span that committed it (the outbox keeps that span's context with the row).
    for (const consumed of [spans.confirm, spans.debit, spans.expiry]) {
      const messageId = consumed.attributes['messaging.message.id'];
      const published = trace.find(
        (s) => s.kind === 'PRODUCER' && s.attributes['messaging.message.id'] === messageId,
      );
      expect(published).toBeDefined();
      expect(published!.parentSpanId).toBe(consumed.parentSpanId);
      expect(published!.service).toBe('payment');
    }

    // Database calls belong to the step that made them: the wallet's Postgres statements under
    // the debit, the queue's Redis commands under the token expiry (with tracing on the queue's
    // client does not auto-pipeline, which sent them in another caller's context:
    // libs/platform's connectRedis).
    const childrenOf = (span: ReceivedSpan) => trace.filter((s) => s.parentSpanId === span.spanId);
    const isDb = (system: string) => (s: ReceivedSpan) =>
      s.attributes['db.system.name'] === system || s.attributes['db.system'] === system;
    expect(childrenOf(spans.debit).some(isDb('postgresql'))).toBe(true);
    expect(childrenOf(spans.expiry).some(isDb('redis'))).toBe(true);
    // Log lines name the trace and the span they were written in.
    const lines = cluster.instances.payment
      .flatMap((i) => i.tail)
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.trace_id === traceId);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'http', path: '/payments', span_id: spans.payment.spanId }),
    );
    // No probe or scrape is traced.
    expect(receiver.spans.filter((s) => /health|metrics/.test(s.name))).toEqual([]);
  }, 90_000);
});
